from safecampus.demo.generator import DemoCity

# What the builder saw, for the test to check (a real builder writes records).
seen: list[dict] = []


def build(city: DemoCity) -> int:
    from safecampus.hazards.models import Hazard
    from safecampus.threelists.models import SchoolRiskPoint

    seen.append(
        {
            "cities": [c.code for c in city.cities],
            # Order 35: after the three lists (30), before the checks and their hazards (40).
            "hazards": Hazard.objects.count(),
            "risk_points": SchoolRiskPoint.objects.count(),
        }
    )
    return len(city.first_schools)
