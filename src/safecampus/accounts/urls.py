from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import user_views, views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/tokens/", views.tokens, name="tokens"),
    path("accounts/tokens/<id:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("accounts/users/", user_views.user_list_view, name="user_list"),
    path("accounts/users/new/", user_views.user_create_view, name="user_create"),
    path("accounts/users/<id:user_id>/", user_views.user_detail_view, name="user_detail"),
    path("accounts/users/<id:user_id>/active/", user_views.user_active_view, name="user_active"),
    path(
        "accounts/users/<id:user_id>/password-reset/",
        user_views.user_password_reset_view,
        name="user_password_reset",
    ),
    path("accounts/users/<id:user_id>/unlock/", user_views.user_unlock_view, name="user_unlock"),
    path(
        "accounts/users/<id:user_id>/roles/<id:assignment_id>/remove/",
        user_views.role_remove_view,
        name="role_remove",
    ),
]
