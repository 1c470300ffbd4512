from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import school_views, views

app_name = "risks"
urlpatterns = [
    path("risks/catalogs/", views.catalog_list_view, name="catalog_list"),
    path("risks/catalogs/import/", views.catalog_import_view, name="catalog_import"),
    path("risks/catalogs/<id:catalog_id>/", views.catalog_detail_view, name="catalog_detail"),
    path(
        "risks/catalogs/<id:catalog_id>/export.xlsx",
        views.catalog_export_view,
        name="catalog_export",
    ),
    path(
        "risks/schools/<id:school_id>/lists/", school_views.school_lists_view, name="school_lists"
    ),
    path(
        "risks/schools/<id:school_id>/lists/instantiate/",
        school_views.instantiate_view,
        name="instantiate",
    ),
    path(
        "risks/schools/<id:school_id>/lists/export.xlsx",
        school_views.export_view,
        name="school_lists_export",
    ),
    path("risks/points/<id:point_id>/assess/", school_views.assess_view, name="assess"),
    path("risks/points/<id:point_id>/remove/", school_views.remove_view, name="remove"),
    path("risks/items/<id:item_id>/assign/", school_views.assign_view, name="assign"),
    path("risks/my-checks/", school_views.my_checks_view, name="my_checks"),
]
