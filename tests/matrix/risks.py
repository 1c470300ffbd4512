"""risks: the risk catalogs, read below their publisher (the city's here)."""

from .dsl import E

C = {"catalog_id": "catalog"}
ENDPOINTS = [
    E("GET risks:catalog_list", "catalog.view"),
    E("GET risks:catalog_detail", "catalog.view", "catalog", inherited=True, args=C),
    E("GET risks:catalog_export", "catalog.view", "catalog", inherited=True, args=C),
    E("GET /api/v1/aspects"),
    E("GET /api/v1/risk-catalogs", "catalog.view"),
    E("GET /api/v1/risk-catalogs/{catalog_id}", "catalog.view", "catalog", inherited=True),
    E("GET /api/v1/risk-catalogs/{catalog_id}/points", "catalog.view", "catalog", inherited=True),
    E("GET /api/v1/risk-catalogs/{catalog_id}/export", "catalog.view", "catalog", inherited=True),
]
