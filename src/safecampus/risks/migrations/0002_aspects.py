from django.db import migrations

from safecampus.risks.aspects import ASPECTS


def load(apps, schema_editor):
    Aspect = apps.get_model("risks", "Aspect")
    for code, name in ASPECTS:
        Aspect.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
