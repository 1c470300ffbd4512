"""Database triggers, for every client and not only the ORM: an alarm is never deleted (GB 50394:
an emergency alarm cannot be disarmed), and a timeline line is never changed or deleted."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER emergency_alarm_no_delete BEFORE DELETE ON emergency_alarm
       BEGIN SELECT RAISE(ABORT, 'alarms are never deleted'); END""",
    """CREATE TRIGGER emergency_event_no_update BEFORE UPDATE ON emergency_incidentevent
       BEGIN SELECT RAISE(ABORT, 'the incident timeline is append-only'); END""",
    """CREATE TRIGGER emergency_event_no_delete BEFORE DELETE ON emergency_incidentevent
       BEGIN SELECT RAISE(ABORT, 'the incident timeline is append-only'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER emergency_alarm_no_delete",
    "DROP TRIGGER emergency_event_no_update",
    "DROP TRIGGER emergency_event_no_delete",
]

POSTGRES = [
    """CREATE FUNCTION emergency_refuse() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION '% on % is refused: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0];
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER emergency_alarm_no_delete BEFORE DELETE ON emergency_alarm
       FOR EACH ROW EXECUTE FUNCTION emergency_refuse('alarms are never deleted')""",
    """CREATE TRIGGER emergency_event_append_only BEFORE UPDATE OR DELETE ON emergency_incidentevent
       FOR EACH ROW EXECUTE FUNCTION emergency_refuse('the incident timeline is append-only')""",
    # TRUNCATE skips row triggers: refuse it by a statement trigger.
    """CREATE TRIGGER emergency_alarm_no_truncate BEFORE TRUNCATE ON emergency_alarm
       FOR EACH STATEMENT EXECUTE FUNCTION emergency_refuse('alarms are never deleted')""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER emergency_alarm_no_truncate ON emergency_alarm",
    "DROP TRIGGER emergency_event_append_only ON emergency_incidentevent",
    "DROP TRIGGER emergency_alarm_no_delete ON emergency_alarm",
    "DROP FUNCTION emergency_refuse()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql, None)  # None: the % of RAISE are not placeholders


def backwards(apps, schema_editor):
    reverse = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in reverse:
        schema_editor.execute(sql, None)  # None: the % of RAISE are not placeholders


class Migration(migrations.Migration):
    dependencies = [("emergency", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
