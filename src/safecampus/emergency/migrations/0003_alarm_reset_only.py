"""Database triggers, for every client and not only the ORM: an alarm row changes once, by its
reset (GB 50394: latched until reset by hand) — the reset fields go from empty to set, with a
note, and nothing else of the alarm changes; and the timeline cannot be truncated
(PostgreSQL: a row trigger does not see TRUNCATE; SQLite has none)."""

from django.db import migrations

# The columns an alarm keeps from its insert for ever.
KEPT = (
    "id",
    "school_id",
    "source",
    "origin",
    "event_id",
    "device_id",
    "place",
    "pressed_at",
    "received_at",
    "reporter_id",
    "incident_id",
)
_SQLITE_KEPT = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT)
_POSTGRES_KEPT = f"({', '.join(f'NEW.{c}' for c in KEPT)}) IS NOT DISTINCT FROM ({', '.join(f'OLD.{c}' for c in KEPT)})"
_RESET = (
    "OLD.reset_at IS NULL AND OLD.reset_by_id IS NULL AND OLD.reset_note = '' "
    "AND NEW.reset_at IS NOT NULL AND NEW.reset_by_id IS NOT NULL AND NEW.reset_note <> ''"
)

SQLITE = [
    f"""CREATE TRIGGER emergency_alarm_reset_only BEFORE UPDATE ON emergency_alarm
       WHEN NOT ({_RESET} AND {_SQLITE_KEPT})
       BEGIN SELECT RAISE(ABORT, 'an alarm only changes by its one reset'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER emergency_alarm_reset_only"]

POSTGRES = [
    f"""CREATE FUNCTION emergency_alarm_reset_only() RETURNS trigger AS $$
       BEGIN
         IF {_RESET} AND {_POSTGRES_KEPT} THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'UPDATE on emergency_alarm is refused: an alarm only changes by its one reset';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER emergency_alarm_reset_only BEFORE UPDATE ON emergency_alarm
       FOR EACH ROW EXECUTE FUNCTION emergency_alarm_reset_only()""",
    """CREATE TRIGGER emergency_event_no_truncate BEFORE TRUNCATE ON emergency_incidentevent
       FOR EACH STATEMENT EXECUTE FUNCTION emergency_refuse('the incident timeline is append-only')""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER emergency_event_no_truncate ON emergency_incidentevent",
    "DROP TRIGGER emergency_alarm_reset_only ON emergency_alarm",
    "DROP FUNCTION emergency_alarm_reset_only()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql, None)  # None: the % of RAISE are not placeholders


def backwards(apps, schema_editor):
    reverse = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in reverse:
        schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [("emergency", "0002_alarm_guard")]
    operations = [migrations.RunPython(forwards, backwards)]
