"""Pages of emergency plans. Included by emergency/urls.py (namespace `emergency`)."""

from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import plan_views as views

urlpatterns = [
    path("emergency/plans/", views.plan_list_view, name="plan_list"),
    path("emergency/plans/new/", views.plan_create_view, name="plan_create"),
    path("emergency/plans/<id:plan_id>/", views.plan_detail_view, name="plan_detail"),
    path("emergency/plans/<id:plan_id>/edit/", views.plan_edit_view, name="plan_edit"),
    path("emergency/plans/<id:plan_id>/adopt/", views.plan_adopt_view, name="plan_adopt"),
    path("emergency/plans/<id:plan_id>/active/", views.plan_active_view, name="plan_active"),
]
