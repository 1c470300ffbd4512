from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "auditlog"
urlpatterns = [
    path("audit/", views.entry_list, name="entry_list"),
    path("audit/<id:entry_id>/", views.entry_detail, name="entry_detail"),
]
