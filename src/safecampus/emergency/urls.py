from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import plan_urls, views

app_name = "emergency"
urlpatterns = [
    path("emergency/incidents/", views.incident_list_view, name="incident_list"),
    path("emergency/board/", views.board_view, name="board"),
    path("emergency/alarm/", views.press_view, name="press"),
    path("emergency/incidents/new/", views.raise_view, name="raise"),
    path(
        "emergency/incidents/<id:incident_id>/", views.incident_detail_view, name="incident_detail"
    ),
    path(
        "emergency/incidents/<id:incident_id>/steps/<int:step>/",
        views.step_tick_view,
        name="step_tick",
    ),
    path("emergency/incidents/<id:incident_id>/reset/", views.alarm_reset_view, name="alarm_reset"),
    *plan_urls.urlpatterns,
]
