from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "buildings"
urlpatterns = [
    path("buildings/", views.overview_view, name="overview"),
    path("buildings/export.xlsx", views.export_view, name="export"),
    path("buildings/schools/<id:school_id>/", views.school_view, name="school"),
    path("buildings/schools/<id:school_id>/new/", views.building_new_view, name="building_new"),
    path(
        "buildings/schools/<id:school_id>/projects/new/",
        views.project_new_view,
        name="project_new",
    ),
    path("buildings/<id:building_id>/edit/", views.building_edit_view, name="building_edit"),
    path("buildings/<id:building_id>/delete/", views.building_delete_view, name="building_delete"),
    path("buildings/projects/", views.project_list_view, name="projects"),
    path("buildings/projects/<id:project_id>/", views.project_view, name="project"),
    path("buildings/projects/<id:project_id>/edit/", views.project_edit_view, name="project_edit"),
]
