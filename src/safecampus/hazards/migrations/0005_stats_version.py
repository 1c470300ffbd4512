from django.db import migrations

from safecampus.core.dataversion import watch


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_dataversion"),
        ("hazards", "0004_hazard_unit_path"),
        ("orgs", "0001_initial"),
    ]
    # The statistics (hazards.selectors) are cached under this counter: any write to the
    # hazards or to the org tree (names, moves) invalidates them.
    operations = [watch("hazards", ["hazards_hazard", "orgs_orgunit"])]
