from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/<id:notification_id>/open/", views.notification_open, name="open"),
]
