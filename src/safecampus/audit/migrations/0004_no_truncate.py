"""PostgreSQL: a row trigger does not see TRUNCATE, so refuse it with a statement trigger.
(SQLite has no TRUNCATE; its DELETE is covered by migration 0002.)"""

from django.db import migrations

FORWARD = [
    """CREATE FUNCTION audit_entry_no_truncate() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION 'audit entries cannot be truncated';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_no_truncate()""",
]
BACKWARD = [
    "DROP TRIGGER audit_entry_no_truncate ON audit_auditentry",
    "DROP FUNCTION audit_entry_no_truncate()",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_alter_auditentry_action")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
