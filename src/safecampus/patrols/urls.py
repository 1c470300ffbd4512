from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "patrols"
urlpatterns = [
    path("patrols/", views.index_view, name="index"),
    path("patrols/schools/<id:school_id>/", views.school_view, name="school"),
    path("patrols/schools/<id:school_id>/points/", views.points_view, name="points"),
    path("patrols/schools/<id:school_id>/sheet/", views.sheet_view, name="sheet"),
    path("patrols/points/<id:point_id>/", views.point_edit_view, name="point_edit"),
    path("patrols/points/<id:point_id>/active/", views.point_active_view, name="point_active"),
    path("patrols/points/<id:point_id>/renew/", views.point_renew_view, name="point_renew"),
    path("patrols/points/<id:point_id>/qr.svg", views.point_qr_view, name="point_qr"),
    path("patrols/scan/<slug:token>/", views.scan_view, name="scan"),
]
