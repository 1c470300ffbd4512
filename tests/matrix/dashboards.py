"""dashboards: the home page of each level (the auditor's goes to the trail, the security
administrator's to the security pages)."""

from .dsl import E

AUDITORS = {"auditor": 302, "auditor_a": 302, "security_admin": 302}
ENDPOINTS = [
    E("GET dashboards:home", "dashboard.view", status=AUDITORS),
    E(
        "GET dashboards:home",
        "dashboard.view",
        "district_a",
        view="org.view",
        query={"unit": "district_a"},
        status=AUDITORS
        | dict.fromkeys(
            ("principal_a1", "director_a1", "staff_a1", "guard_a1", "counsellor_a1"), 404
        ),
        variant="district A",
    ),
    E("GET /api/v1/dashboard/summary", "dashboard.view"),
    E(
        "GET /api/v1/dashboard/summary",
        "dashboard.view",
        "district_a",
        nowhere=403,
        query={"unit": "district_a"},
        status=dict.fromkeys(
            ("principal_a1", "director_a1", "staff_a1", "guard_a1", "counsellor_a1"), 404
        ),
        variant="district A",
    ),
]
