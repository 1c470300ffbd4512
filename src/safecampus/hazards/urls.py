from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "hazards"
urlpatterns = [
    path("hazards/", views.ledger_view, name="ledger"),
    path("hazards/stats/", views.stats_view, name="stats"),
    path("hazards/export.xlsx", views.export_view, name="export"),
    path("hazards/new/", views.report_view, name="report"),
    path("hazards/<id:hazard_id>/", views.detail_view, name="detail"),
    path("hazards/<id:hazard_id>/photos/", views.photo_upload_view, name="photo_upload"),
    path("hazards/photos/<id:photo_id>/", views.photo_view, name="photo"),
]
