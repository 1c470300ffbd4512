from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "rules"
urlpatterns = [
    path("rules/", views.rule_set_list_view, name="rule_set_list"),
    path("rules/<id:rule_set_id>/", views.rule_set_detail_view, name="rule_set_detail"),
    path("rules/<id:rule_set_id>/copy/", views.rule_set_copy_view, name="rule_set_copy"),
    path(
        "rules/assignments/<id:assignment_id>/remove/",
        views.assignment_remove_view,
        name="assignment_remove",
    ),
]
