"""imports: every importer's page, template, preview and API (docs/permissions.md)."""

from .dsl import E

ENDPOINTS = [
    E("GET imports:upload", "school.import", args={"key": "schools"}),
    E("POST imports:upload", "school.import", args={"key": "schools"}, ok=200),
    E("GET imports:upload", "building.manage", args={"key": "buildings"}, variant="buildings"),
    E("GET imports:template", "school.import", args={"key": "schools"}),
    E("GET imports:template", "catalog.manage", args={"key": "risk-catalog"}, variant="catalog"),
    # A preview token is the uploader's own, kept in their session: 404 for anyone else.
    E("GET imports:preview", args={"key": "schools", "token": "nosuchtoken"}, ok=404),
    E("GET /api/v1/imports"),
    E("GET /api/v1/imports/{key}/template", "school.import", args={"key": "schools"}),
    E(
        "POST /api/v1/imports/{key}",
        "building.manage",
        args={"key": "buildings"},
        ok=400,
        covered_by="tests/test_imports.py",
    ),
]
