"""patrols: check points, scans and the daily completeness."""

from .dsl import E

S = {"school_id": "a1"}
PT = {"point_id": "point"}
MANAGE = {"action": "patrol.manage", "view": "patrol.view"}
ENDPOINTS = [
    # A user whose patrol.view scope is one school is sent to that school's page.
    E(
        "GET patrols:index",
        "patrol.view",
        status=dict.fromkeys(
            (
                "principal_a1",
                "director_a1",
                "staff_a1",
                "guard_a1",
                "counsellor_a1",
                "teacher_b1",
                "principal_c1",
                "district_b",
            ),
            302,
        ),
    ),
    E("GET patrols:school", "patrol.view", "a1", args=S),
    E("GET patrols:points", "patrol.view", "a1", args=S),
    E("POST patrols:points", "patrol.manage", "a1", view="patrol.view", args=S, body={"name": ""}),
    E("GET patrols:sheet", "patrol.manage", "a1", view="org.view", args=S),
    E("GET patrols:point_edit", on="point", args=PT, **MANAGE),
    E("POST patrols:point_edit", on="point", args=PT, body={"name": ""}, **MANAGE),
    E("POST patrols:point_active", on="point", args=PT, body={"active": "0"}, ok=302, **MANAGE),
    E("POST patrols:point_renew", on="point", args=PT, ok=302, **MANAGE),
    E("GET patrols:point_qr", on="point", args=PT, **MANAGE),
    E(
        "GET patrols:scan",
        "patrol.scan",
        "point",
        view="patrol.view",
        args={"token": "point.token"},
    ),
    E(
        "POST patrols:scan",
        "patrol.scan",
        "point",
        view="patrol.view",
        args={"token": "point.token"},
        body={"client_key": "matrix-scan-0001"},
        ok=302,
        counted=("patrols.PatrolVisit",),
    ),
    E("GET /api/v1/patrols/check-points", "patrol.view"),
    E(
        "POST /api/v1/patrols/check-points",
        "patrol.manage",
        "a1",
        view="org.view",
        body={"school_id": "a1", "name": "矩阵点"},
        ok=201,
        counted=("patrols.CheckPoint",),
    ),
    E("GET /api/v1/patrols/check-points/{point_id}", "patrol.view", "point"),
    E(
        "PATCH /api/v1/patrols/check-points/{point_id}",
        on="point",
        body={"name": "矩阵改名"},
        **MANAGE,
    ),
    E("POST /api/v1/patrols/check-points/{point_id}/renew-token", on="point", **MANAGE),
    E("GET /api/v1/patrols/check-points/{point_id}/qr.svg", on="point", **MANAGE),
    E(
        "GET /api/v1/patrols/scan/{token}",
        "patrol.scan",
        "point",
        view="patrol.view",
        args={"token": "point.token"},
    ),
    E(
        "POST /api/v1/patrols/scan",
        "patrol.scan",
        "point",
        view="patrol.view",
        body={"token": "point.token", "client_key": "matrix-scan-0002"},
        ok=201,
        counted=("patrols.PatrolVisit",),
    ),
    E("GET /api/v1/patrols/visits", "patrol.view"),
    E("GET /api/v1/patrols/schools/{school_id}/day", "patrol.view", "a1"),
    E("GET /api/v1/patrols/completeness", "patrol.view"),
]
