"""devices: cameras, alarm buttons, device tokens and online rates."""

from .dsl import E

S = {"school_id": "a1"}
ONE_SCHOOL = (
    "principal_a1",
    "director_a1",
    "staff_a1",
    "guard_a1",
    "counsellor_a1",
    "teacher_b1",
    "principal_c1",
)
MANAGE = {"action": "device.manage", "view": "device.view"}
ENDPOINTS = [
    # A user whose scope is one school is sent to that school's devices page.
    E("GET devices:rates", "device.view", status=dict.fromkeys(ONE_SCHOOL, 302)),
    E("GET devices:school", "device.view", "a1", args=S),
    E("GET devices:camera_new", on="a1", args=S, **MANAGE),
    E("POST devices:camera_new", on="a1", args=S, body={"name": ""}, **MANAGE),
    E("GET devices:alarm_new", on="a1", args=S, **MANAGE),
    E("POST devices:alarm_new", on="a1", args=S, body={"name": ""}, **MANAGE),
    E("GET devices:export", "device.view", "a1", args=S),
    E("POST devices:token_issue", on="a1", args=S, body={"name": "矩阵网关"}, **MANAGE),
    E("GET devices:camera_edit", on="camera", args={"pk": "camera"}, **MANAGE),
    E("POST devices:camera_edit", on="camera", args={"pk": "camera"}, body={"name": ""}, **MANAGE),
    E("GET devices:alarm_edit", on="button", args={"pk": "button"}, **MANAGE),
    E("POST devices:alarm_edit", on="button", args={"pk": "button"}, body={"name": ""}, **MANAGE),
    E(
        "POST devices:camera_active",
        on="camera",
        args={"pk": "camera"},
        body={"active": "0"},
        ok=302,
        **MANAGE,
    ),
    E(
        "POST devices:alarm_active",
        on="button",
        args={"pk": "button"},
        body={"active": "0"},
        ok=302,
        **MANAGE,
    ),
    E(
        "POST devices:token_revoke",
        on="device_token",
        args={"token_id": "device_token"},
        ok=302,
        **MANAGE,
    ),
    E("GET /api/v1/devices/cameras", "device.view"),
    E(
        "POST /api/v1/devices/cameras",
        on="a1",
        body={
            "school_id": "a1",
            "name": "矩阵枪机",
            "device_id": "37060200051328000077",
            "place": "main_entrance",
        },
        ok=201,
        counted=("devices.Camera",),
        **MANAGE,
    ),
    E("GET /api/v1/devices/cameras/export", "device.view"),
    E("GET /api/v1/devices/cameras/{camera_id}", "device.view", "camera"),
    E(
        "PATCH /api/v1/devices/cameras/{camera_id}",
        on="camera",
        body={"name": "矩阵改名"},
        **MANAGE,
    ),
    E("POST /api/v1/devices/cameras/{camera_id}/deactivate", on="camera", **MANAGE),
    E("POST /api/v1/devices/cameras/{camera_id}/activate", on="camera", **MANAGE),
    E("GET /api/v1/devices/alarms", "device.view"),
    E(
        "POST /api/v1/devices/alarms",
        on="a1",
        body={
            "school_id": "a1",
            "name": "矩阵按钮",
            "device_id": "37060200051348000078",
            "place": "gate_house",
        },
        ok=201,
        counted=("devices.AlarmButton",),
        **MANAGE,
    ),
    E("GET /api/v1/devices/alarms/{alarm_id}", "device.view", "button"),
    E("PATCH /api/v1/devices/alarms/{alarm_id}", on="button", body={"name": "矩阵改名"}, **MANAGE),
    E("POST /api/v1/devices/alarms/{alarm_id}/deactivate", on="button", **MANAGE),
    E("POST /api/v1/devices/alarms/{alarm_id}/activate", on="button", **MANAGE),
    E("GET /api/v1/devices/online-rates", "device.view"),
    E("GET /api/v1/devices/schools/{school_id}/summary", "device.view", "a1"),
    E("GET /api/v1/devices/schools/{school_id}/tokens", on="a1", **MANAGE),
    E(
        "POST /api/v1/devices/schools/{school_id}/tokens",
        on="a1",
        body={"name": "矩阵网关"},
        ok=201,
        **MANAGE,
    ),
    E("POST /api/v1/devices/tokens/{token_id}/revoke", on="device_token", **MANAGE),
    # A device's own endpoint: a person's session or token is not a device token (401).
    E("POST /api/v1/devices/status", ok=401),
]
