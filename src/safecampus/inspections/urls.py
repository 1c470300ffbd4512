from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "inspections"
urlpatterns = [
    path("inspections/", views.index_view, name="index"),
    path("inspections/checklists/new/", views.checklist_create_view, name="checklist_create"),
    path("inspections/campaigns/new/", views.campaign_create_view, name="campaign_create"),
    path("inspections/campaigns/<id:campaign_id>/", views.campaign_view, name="campaign"),
    path("inspections/<id:inspection_id>/", views.inspection_view, name="inspection"),
    path("inspections/<id:inspection_id>/photos/", views.photo_upload_view, name="photo_upload"),
    path("inspections/photos/<id:photo_id>/", views.photo_view, name="photo"),
    path("inspections/photos/<id:photo_id>/remove/", views.photo_remove_view, name="photo_remove"),
]
