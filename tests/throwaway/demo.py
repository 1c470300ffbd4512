from safecampus.demo.generator import DemoCity

# What the builder saw, for the test to check (a real builder writes records).
seen: list[dict] = []


def build(city: DemoCity) -> int:
    from safecampus.hazards.models import Hazard
    from safecampus.threelists.models import SchoolRiskPoint

    seen.append(
        {
            "cities": [c.code for c in city.cities],
            # Order 25: after the 2021 campaign (20), before the three lists (30).
            "hazards": Hazard.objects.count(),
            "risk_points": SchoolRiskPoint.objects.count(),
        }
    )
    return len(city.first_schools)
