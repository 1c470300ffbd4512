from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views
from .models import DeviceKind

app_name = "devices"
CAM, ALARM = {"kind": DeviceKind.CAMERA}, {"kind": DeviceKind.ALARM}
urlpatterns = [
    path("devices/", views.rates_view, name="rates"),
    path("devices/schools/<id:school_id>/", views.school_view, name="school"),
    path(
        "devices/schools/<id:school_id>/cameras/new/", views.device_new_view, CAM, name="camera_new"
    ),
    path(
        "devices/schools/<id:school_id>/alarms/new/", views.device_new_view, ALARM, name="alarm_new"
    ),
    path("devices/schools/<id:school_id>/export.xlsx", views.export_view, name="export"),
    path("devices/schools/<id:school_id>/tokens/", views.token_issue_view, name="token_issue"),
    path("devices/cameras/<id:pk>/edit/", views.device_edit_view, CAM, name="camera_edit"),
    path("devices/alarms/<id:pk>/edit/", views.device_edit_view, ALARM, name="alarm_edit"),
    path("devices/cameras/<id:pk>/active/", views.device_active_view, CAM, name="camera_active"),
    path("devices/alarms/<id:pk>/active/", views.device_active_view, ALARM, name="alarm_active"),
    path("devices/tokens/<id:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
