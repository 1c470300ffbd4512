from django.urls import path

import safecampus.core.converters  # noqa: F401  (registers <id:…>)

from . import second_factor_views, security_views, user_views, views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/login/code/", second_factor_views.login_code, name="login_code"),
    path("accounts/login/enrol/", second_factor_views.login_enrol, name="login_enrol"),
    path("accounts/second-factor/", second_factor_views.second_factor, name="second_factor"),
    path(
        "accounts/second-factor/enrol/",
        second_factor_views.second_factor_enrol,
        name="second_factor_enrol",
    ),
    path("accounts/reauth/", second_factor_views.reauth_view, name="reauth"),
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
    path(
        "accounts/users/<id:user_id>/roles/<id:assignment_id>/remove/",
        user_views.role_remove_view,
        name="role_remove",
    ),
    # The security administrator's pages (security_views.py)
    path("security/", security_views.policy_view, name="security_policy"),
    path("security/lockouts/", security_views.lockouts_view, name="security_lockouts"),
    path("security/second-factor/", security_views.second_factors_view, name="security_otp"),
    path(
        "security/second-factor/<id:user_id>/reset/",
        security_views.second_factor_reset_view,
        name="security_otp_reset",
    ),
    path("security/networks/", security_views.networks_view, name="security_networks"),
    path(
        "security/networks/<id:network_id>/remove/",
        security_views.network_remove_view,
        name="security_network_remove",
    ),
]
