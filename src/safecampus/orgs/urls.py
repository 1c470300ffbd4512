from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("schools/", views.school_list_view, name="school_list"),
    path("schools/export.xlsx", views.school_export_view, name="school_export"),
    path("schools/import/", views.school_import_view, name="school_import"),
    path("schools/import/template.xlsx", views.school_template_view, name="school_template"),
    path("schools/<int:school_id>/", views.school_detail_view, name="school_detail"),
    path("schools/<int:school_id>/edit/", views.school_edit_view, name="school_edit"),
]
