from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "defenses"
urlpatterns = [
    path("defenses/", views.dashboard_view, name="dashboard"),
    path("defenses/schools/", views.school_list_view, name="schools"),
    path("defenses/schools/<id:school_id>/", views.school_view, name="school"),
    path("defenses/schools/<id:school_id>/guards/new/", views.guard_edit_view, name="guard_new"),
    path(
        "defenses/schools/<id:school_id>/guards.xlsx",
        views.guards_export_view,
        name="guards_export",
    ),
    path("defenses/guards/<id:guard_id>/edit/", views.guard_edit_view, name="guard_edit"),
    path("defenses/schools/<id:school_id>/gate-posts/new/", views.post_edit_view, name="post_new"),
    path("defenses/gate-posts/<id:post_id>/", views.post_edit_view, name="post_edit"),
    path("defenses/gate-posts/<id:post_id>/sign-in/", views.sign_in_view, name="sign_in"),
    path("defenses/duties/<id:duty_id>/remove/", views.duty_remove_view, name="duty_remove"),
    path(
        "defenses/schools/<id:school_id>/equipment/",
        views.equipment_edit_view,
        name="equipment_edit",
    ),
    path(
        "defenses/equipment/<id:equipment_id>/remove/",
        views.equipment_remove_view,
        name="equipment_remove",
    ),
    path(
        "defenses/schools/<id:school_id>/security/",
        views.security_edit_view,
        name="security_edit",
    ),
    path("defenses/schools/<id:school_id>/entries/new/", views.entry_new_view, name="entry_new"),
    path("defenses/entries/<id:entry_id>/leave/", views.entry_leave_view, name="entry_leave"),
]
