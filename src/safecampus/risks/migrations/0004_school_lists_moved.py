# The school's three lists moved to the app `threelists` (their tables with them, renamed
# there): this app forgets the models without touching the database.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("risks", "0003_school_lists"),
        ("threelists", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel("MeasureCheck"),
                migrations.DeleteModel("ResponsibilityItem"),
                migrations.DeleteModel("SchoolRiskPoint"),
            ],
            database_operations=[],
        )
    ]
