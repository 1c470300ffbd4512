from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "risks"
urlpatterns = [
    path("risks/catalogs/", views.catalog_list_view, name="catalog_list"),
    path("risks/catalogs/<id:catalog_id>/", views.catalog_detail_view, name="catalog_detail"),
    path(
        "risks/catalogs/<id:catalog_id>/export.xlsx",
        views.catalog_export_view,
        name="catalog_export",
    ),
]
