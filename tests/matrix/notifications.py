"""notifications: one's own messages, and the push endpoints and delivery log."""

from .dsl import E

EP = {"endpoint_id": "endpoint"}
# Only the addressee (staff_a1) reads its message; another's is 404 (the page: back to the list).
OWN = dict.fromkeys(
    (
        "city_admin",
        "city_officer",
        "inspector",
        "auditor",
        "security_admin",
        "district_a",
        "district_b",
        "principal_a1",
        "director_a1",
        "guard_a1",
        "counsellor_a1",
        "teacher_b1",
        "principal_c1",
        "auditor_a",
    ),
    404,
)
ENDPOINTS = [
    E("GET notifications:list"),
    E("POST notifications:read_all", ok=302),
    E("POST notifications:open", args={"notification_id": "notification"}, ok=302),
    # The name field's hint is "如：甲区应急值班群", whoever reads it.
    E("GET notifications:endpoint_list", "notification.manage", allow=("甲区",)),
    E("POST notifications:endpoint_list", "notification.manage", body={"name": ""}),
    E("GET notifications:endpoint_edit", "notification.manage", "endpoint", args=EP),
    E(
        "POST notifications:endpoint_edit",
        "notification.manage",
        "endpoint",
        args=EP,
        body={"name": ""},
    ),
    E(
        "POST notifications:endpoint_active",
        "notification.manage",
        "endpoint",
        args=EP,
        body={"active": "0"},
        ok=302,
    ),
    E("POST notifications:endpoint_test", "notification.manage", "endpoint", args=EP, ok=302),
    E("GET notifications:delivery_list", "notification.manage"),
    E("GET /api/v1/notifications"),
    E(
        "POST /api/v1/notifications/{notification_id}/read",
        args={"notification_id": "notification"},
        status=OWN,
    ),
    E("POST /api/v1/notifications/read-all"),
    E("GET /api/v1/notifications/channels", "notification.manage"),
    E("GET /api/v1/notifications/endpoints", "notification.manage"),
    E(
        "POST /api/v1/notifications/endpoints",
        "notification.manage",
        "district_a",
        view="org.view",
        body={
            "unit_id": "district_a",
            "channel": "webhook",
            "name": "矩阵",
            "url": "https://hooks.example.org/mx",
        },
        ok=201,
        counted=("notifications.WebhookEndpoint",),
    ),
    E("GET /api/v1/notifications/endpoints/{endpoint_id}", "notification.manage", "endpoint"),
    E(
        "PATCH /api/v1/notifications/endpoints/{endpoint_id}",
        "notification.manage",
        "endpoint",
        body={"name": "矩阵改名"},
    ),
    E("POST /api/v1/notifications/endpoints/{endpoint_id}/test", "notification.manage", "endpoint"),
    E("GET /api/v1/notifications/deliveries", "notification.manage"),
]
