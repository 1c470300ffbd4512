from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "orgs"
urlpatterns = [
    path("schools/", views.school_list_view, name="school_list"),
    path("schools/export.xlsx", views.school_export_view, name="school_export"),
    path("schools/<id:school_id>/", views.school_detail_view, name="school_detail"),
    path("schools/<id:school_id>/edit/", views.school_edit_view, name="school_edit"),
]
