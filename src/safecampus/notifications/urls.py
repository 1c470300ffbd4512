from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/<id:notification_id>/open/", views.notification_open, name="open"),
    path("notifications/endpoints/", views.endpoint_list_view, name="endpoint_list"),
    path(
        "notifications/endpoints/<id:endpoint_id>/",
        views.endpoint_edit_view,
        name="endpoint_edit",
    ),
    path(
        "notifications/endpoints/<id:endpoint_id>/active/",
        views.endpoint_active_view,
        name="endpoint_active",
    ),
    path(
        "notifications/endpoints/<id:endpoint_id>/test/",
        views.endpoint_test_view,
        name="endpoint_test",
    ),
    path("notifications/deliveries/", views.delivery_list_view, name="delivery_list"),
]
