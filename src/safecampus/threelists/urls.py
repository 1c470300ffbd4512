from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "threelists"
urlpatterns = [
    path("risks/schools/<id:school_id>/lists/", views.school_lists_view, name="school_lists"),
    path(
        "risks/schools/<id:school_id>/lists/instantiate/",
        views.instantiate_view,
        name="instantiate",
    ),
    path(
        "risks/schools/<id:school_id>/lists/export.xlsx",
        views.export_view,
        name="school_lists_export",
    ),
    path("risks/points/<id:point_id>/assess/", views.assess_view, name="assess"),
    path("risks/points/<id:point_id>/remove/", views.remove_view, name="remove"),
    path("risks/items/<id:item_id>/assign/", views.assign_view, name="assign"),
    path("risks/my-checks/", views.my_checks_view, name="my_checks"),
]
