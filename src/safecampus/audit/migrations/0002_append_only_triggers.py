"""Database triggers that keep the audit trail append-only for every client, not only the ORM:
UPDATE is always refused, DELETE only allowed for entries older than 183 days (the legal
minimum of six months; the retention setting may keep them longer)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    """CREATE TRIGGER audit_entry_no_early_delete BEFORE DELETE ON audit_auditentry
       WHEN OLD.at > datetime('now', '-183 days')
       BEGIN SELECT RAISE(ABORT, 'audit entries are kept at least 183 days'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER audit_entry_no_update", "DROP TRIGGER audit_entry_no_early_delete"]

POSTGRES = [
    """CREATE FUNCTION audit_entry_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' THEN
           RAISE EXCEPTION 'audit entries are append-only';
         END IF;
         IF OLD.at > now() - interval '183 days' THEN
           RAISE EXCEPTION 'audit entries are kept at least 183 days';
         END IF;
         RETURN OLD;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_entry_guard BEFORE UPDATE OR DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()""",
]
POSTGRES_REVERSE = ["DROP TRIGGER audit_entry_guard ON audit_auditentry", "DROP FUNCTION audit_entry_guard()"]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
