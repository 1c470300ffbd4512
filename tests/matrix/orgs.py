"""orgs: the org tree and the schools (docs/permissions.md, pages and API)."""

from .dsl import E

ENDPOINTS = [
    E("GET orgs:school_list", "org.view"),
    E("GET orgs:school_export", "school.export"),
    E("GET orgs:school_detail", "org.view", "a1", args={"school_id": "a1"}),
    E("GET orgs:school_edit", "school.change", "a1", view="org.view", args={"school_id": "a1"}),
    E(
        "POST orgs:school_edit",
        "school.change",
        "a1",
        view="org.view",
        args={"school_id": "a1"},
        body={"staff": "x"},
        covered_by="tests/test_access_matrix.py::test_school_profile_changes_are_made_where_allowed",
    ),
    E("GET /api/v1/orgs", "org.view"),
    E("GET /api/v1/orgs/{unit_id}", "org.view", "a1", args={"unit_id": "a1.unit_id"}),
    E("GET /api/v1/schools", "org.view"),
    E("GET /api/v1/schools/export", "school.export"),
    E("GET /api/v1/schools/{school_id}", "org.view", "a1"),
    E(
        "PATCH /api/v1/schools/{school_id}",
        "school.change",
        "a1",
        view="org.view",
        body={"staff": 41},
    ),
]
