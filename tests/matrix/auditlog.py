"""auditlog: the trail, for the auditors only, each inside its unit — and never the secret spot
check before it starts (the entry follows its record's visibility rule)."""

from .dsl import E

SECRET_ENTRIES = {"object_type": "inspections.inspection"}
# Auditors read entries under their unit; everyone else has no audit.view (404 on an entry).
ENDPOINTS = [
    E("GET auditlog:entry_list", "audit.view"),
    E("GET auditlog:entry_list", "audit.view", query=SECRET_ENTRIES, variant="inspections"),
    E(
        "GET auditlog:entry_detail",
        "audit.view",
        "audit_entry",
        nowhere=403,
        args={"entry_id": "audit_entry"},
    ),
    E(
        "GET auditlog:entry_detail",
        "audit.view",
        "audit_secret",
        nowhere=403,
        args={"entry_id": "audit_secret"},
        status={"auditor_a": 404},
        variant="secret",
    ),
    E("GET /api/v1/audit/entries", "audit.view"),
    E("GET /api/v1/audit/entries", "audit.view", query=SECRET_ENTRIES, variant="inspections"),
    E(
        "GET /api/v1/audit/entries/{entry_id}",
        "audit.view",
        "audit_entry",
        nowhere=403,
        args={"entry_id": "audit_entry"},
    ),
    E(
        "GET /api/v1/audit/entries/{entry_id}",
        "audit.view",
        "audit_secret",
        nowhere=403,
        args={"entry_id": "audit_secret"},
        status={"auditor_a": 404},
        variant="secret",
    ),
]
