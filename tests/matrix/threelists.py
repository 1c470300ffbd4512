"""threelists: a school's risk, responsibility and rectification lists, and one's own checks."""

from .dsl import E

S = {"school_id": "a1"}
MANAGE = {"action": "risklist.manage", "view": "risklist.view"}
ENDPOINTS = [
    E("GET threelists:school_lists", "risklist.view", "a1", args=S),
    # The add-a-point form is risklist.manage's (an empty code: the form again with its error).
    E("POST threelists:school_lists", on="a1", args=S, body={"code": ""}, **MANAGE),
    E("POST threelists:instantiate", on="a1", args=S, ok=302, **MANAGE),
    E("GET threelists:school_lists_export", "risklist.view", "a1", args=S),
    E("POST threelists:assess", on="risk_point", args={"point_id": "risk_point"}, ok=302, **MANAGE),
    E("POST threelists:remove", on="risk_point", args={"point_id": "risk_point"}, ok=302, **MANAGE),
    E("GET threelists:assign", on="item", args={"item_id": "item"}, **MANAGE),
    E("POST threelists:assign", on="item", args={"item_id": "item"}, body={"person": ""}, **MANAGE),
    E("GET threelists:my_checks", "risklist.view"),
    E("POST threelists:my_checks", "risklist.view", body={"item": "item"}, ok=200),
    E("GET /api/v1/schools/{school_id}/risk-points", "risklist.view", "a1"),
    E(
        "POST /api/v1/schools/{school_id}/risk-points",
        on="a1",
        body={"code": "MX-01", "name": "矩阵风险点"},
        ok=201,
        counted=("threelists.SchoolRiskPoint",),
        **MANAGE,
    ),
    E("POST /api/v1/schools/{school_id}/risk-points/instantiate", on="a1", **MANAGE),
    E("POST /api/v1/risk-points/{point_id}/assess", on="risk_point", ok=200, **MANAGE),
    E("DELETE /api/v1/risk-points/{point_id}", on="risk_point", ok=204, **MANAGE),
    E("GET /api/v1/schools/{school_id}/responsibilities", "risklist.view", "a1"),
    E("PATCH /api/v1/responsibilities/{item_id}", on="item", **MANAGE),
    E("GET /api/v1/me/checks"),
    E(
        "POST /api/v1/responsibilities/{item_id}/checks",
        on="item",
        body={"client_key": "matrix-check-0001"},
        ok=201,
        counted=("threelists.MeasureCheck",),
        **MANAGE,
    ),
]
