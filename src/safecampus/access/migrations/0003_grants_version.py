from django.db import migrations

from safecampus.core.dataversion import watch


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_initial"),
        ("core", "0001_dataversion"),
        ("orgs", "0001_initial"),
    ]

    # Every user's grants (access.scope.grants) are cached under this counter: any write to the
    # role assignments or to the org tree (a unit's path changes when it moves) invalidates them.
    operations = [watch("access", ["access_roleassignment", "orgs_orgunit"])]
