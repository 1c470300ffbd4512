"""accounts: one's own password, tokens and second factor; user management (docs/permissions.md
"Managing users": listed inside the manager's user.manage scope, else 404; manageable when
every role of the account is one the manager may give there, else 403); the security
administrator's pages and API (security.manage, held by security_admin alone: 403 for the
others, the city administrator and the auditors included)."""

from .dsl import E, Excluded

# The personas with a TOTP device (tests/conftest.py): enrolling again sends them back to
# their second-factor page.
ENROLLED = dict.fromkeys(
    ("city_admin", "auditor", "security_admin", "district_a", "district_b"), 302
)
SECURITY = {"action": "security.manage"}

U = {"user_id": "user"}
MANAGE = {"action": "user.manage", "on": "user", "nowhere": 403}
ENDPOINTS = [
    E("GET accounts:password_change"),
    E("POST accounts:password_change", body={"old_password": ""}),
    E("GET accounts:tokens"),
    E("POST accounts:tokens", body={"name": ""}),
    # Another's token: "does not exist", back to one's own list (as the API's 404).
    E("POST accounts:token_revoke", args={"token_id": "api_token"}, ok=302),
    E("GET accounts:user_list", "user.manage"),
    E("GET accounts:user_create", "user.manage"),
    E("POST accounts:user_create", "user.manage", body={"username": ""}),
    E("GET accounts:user_detail", args=U, **MANAGE),
    E("POST accounts:user_detail", args=U, body={"form": "edit", "full_name": ""}, **MANAGE),
    E("POST accounts:user_active", args=U, body={"active": "0"}, ok=302, **MANAGE),
    E("POST accounts:user_password_reset", args=U, **MANAGE),
    E(
        "POST accounts:role_remove",
        args={**U, "assignment_id": "role_assignment"},
        ok=302,
        **MANAGE,
    ),
    E("GET accounts:second_factor"),
    E("GET accounts:second_factor_enrol", status=ENROLLED),
    E("GET accounts:reauth"),
    # A wrong password: the form again (and a failed login in the trail).
    E("POST accounts:reauth", body={"password": "wrong-password"}, audited=True),
    E("GET accounts:security_policy", **SECURITY),
    E("POST accounts:security_policy", body={"min_length": "4"}, **SECURITY),
    E("GET accounts:security_lockouts", **SECURITY),
    E("POST accounts:security_lockouts", body={"username": "nobody"}, ok=302, **SECURITY),
    E("GET accounts:security_otp", **SECURITY),
    E(
        "POST accounts:security_otp_reset",
        args={"user_id": "user"},
        ok=302,
        covered_by="tests/test_second_factor.py",
        **SECURITY,
    ),
    E("GET accounts:security_networks", **SECURITY),
    E(
        "POST accounts:security_networks",
        body={"network": "10.30.0.0/16", "note": "矩阵"},
        ok=302,
        counted=("accounts.OutboundNetwork",),
        **SECURITY,
    ),
    E(
        "POST accounts:security_network_remove",
        args={"network_id": "network"},
        ok=302,
        counted=("accounts.OutboundNetwork",),
        **SECURITY,
    ),
    E("GET /api/v1/security/policy", **SECURITY),
    E(
        "PUT /api/v1/security/policy",
        body={
            "min_length": 12,
            "min_classes": 3,
            "history": 5,
            "max_age_days": 90,
            "lockout_failures": 5,
            "lockout_minutes": 30,
        },
        counted=("accounts.SecurityPolicy",),
        **SECURITY,
    ),
    E("GET /api/v1/security/lockouts", **SECURITY),
    E(
        "POST /api/v1/security/lockouts/unlock",
        body={"username": "nobody"},
        ok=400,
        covered_by="tests/test_security_admin.py",
        **SECURITY,
    ),
    E("GET /api/v1/security/second-factors", **SECURITY),
    E(
        "POST /api/v1/security/second-factors/{user_id}/reset",
        args={"user_id": "user"},
        **SECURITY,
    ),
    E("GET /api/v1/security/networks", **SECURITY),
    E(
        "POST /api/v1/security/networks",
        body={"network": "10.30.0.0/16", "note": "矩阵"},
        ok=201,
        counted=("accounts.OutboundNetwork",),
        **SECURITY,
    ),
    E(
        "DELETE /api/v1/security/networks/{network_id}",
        args={"network_id": "network"},
        ok=204,
        counted=("accounts.OutboundNetwork",),
        **SECURITY,
    ),
    # A wrong password: refused (and a failed login in the trail), whoever calls.
    E("POST /api/v1/auth/reauth", body={"password": "wrong-password"}, ok=403, audited=True),
    E("GET /api/v1/me"),
    # A wrong password: 401, and the failed login is in the trail.
    E("POST /api/v1/auth/token", auth=False, ok=401, audited=True),
    E("GET /api/v1/auth/tokens"),
    # One's own password; the example body's old password is wrong: 400, nothing changed.
    E(
        "POST /api/v1/auth/password",
        ok=400,
        covered_by="tests/test_passwords.py::test_the_api_refuses_a_weak_password_with_400_and_the_reason",
        counted=("accounts.PasswordHistory", "accounts.ApiToken"),
    ),
    E(
        "DELETE /api/v1/auth/tokens/{token_id}",
        args={"token_id": "api_token"},
        ok=404,
        status={"staff_a1": 200},
    ),
    E("GET /api/v1/users", "user.manage"),
    E(
        "POST /api/v1/users",
        "user.manage",
        "a1",
        view="org.view",
        nowhere=403,
        body={"username": "mx_new", "full_name": "矩阵", "role": "staff", "unit_id": "a1.unit_id"},
        ok=201,
        counted=("accounts.User",),
    ),
    E("GET /api/v1/users/{user_id}", **MANAGE),
    E("PATCH /api/v1/users/{user_id}", body={"full_name": "矩阵改名"}, **MANAGE),
    E("POST /api/v1/users/{user_id}/password-reset", **MANAGE),
    E(
        "POST /api/v1/users/{user_id}/roles",
        body={"role": "counsellor", "unit_id": "a2.unit_id"},
        # A principal gives roles only inside the school: A2 is outside (404).
        ok=201,
        status={"principal_a1": 404},
        counted=("access.RoleAssignment",),
        **MANAGE,
    ),
    E(
        "DELETE /api/v1/users/{user_id}/roles/{assignment_id}",
        args={"assignment_id": "role_assignment"},
        ok=400,
        covered_by="tests/test_users.py",
        **MANAGE,
    ),
]

EXCLUDED = [
    Excluded(
        "accounts:login_code",
        "the login's second step, for a login waiting for its code (test_second_factor.py)",
    ),
    Excluded(
        "accounts:login_enrol",
        "enrolment at a first login, for a login waiting for it (test_second_factor.py)",
    ),
]
