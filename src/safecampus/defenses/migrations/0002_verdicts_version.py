from django.db import migrations

from safecampus.core.dataversion import watch


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_dataversion"),
        ("defenses", "0001_initial"),
        ("devices", "0002_tokens_state_links"),
        ("orgs", "0001_initial"),
        ("rules", "0001_initial"),
    ]
    # The four-100% verdicts (defenses.indicators.school_verdicts) are cached under this
    # counter: any write to a record or rule behind a verdict invalidates them. Device state
    # (telemetry) is not among them: no verdict reads it.
    operations = [
        watch(
            "defenses",
            [
                "defenses_guard",
                "defenses_campussecurity",
                "defenses_gatepost",
                "defenses_gatepostduty",
                "devices_camera",
                "devices_alarmbutton",
                "orgs_school",
                "orgs_orgunit",
                "rules_ruleset",
                "rules_rulesetassignment",
            ],
        )
    ]
