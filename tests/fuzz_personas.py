"""Who writes what, for the schema fuzzing (test_api_schema_fuzz.py).

Each write operation of the API is fuzzed as the persona of conftest.py who may perform it on
the records of fuzz_records.py (school A1, district A), as docs/permissions.md assigns the
action ("role × action matrix", "Beyond the matrix: the person on the record", "API endpoints
and the action each needs"), and as teacher_b1 (staff at B1), who may perform none of them on
A1's records. `hints` are the values, for this operation only, of body fields that name a
record or a unit, so that a generated request names one the persona may write.
"""

from dataclasses import dataclass, field

DEVICE = "device token"  # the school's device token, not a person's (scd_…)
NOBODY = "nobody"  # the operation takes no authentication


@dataclass(frozen=True)
class Writer:
    persona: str
    why: str  # the action (or the person on the record) that lets the persona write
    # body field: a name in Records.values (a unit, a body the field needs to be carried out)
    hints: dict[str, str] = field(default_factory=dict)
    # path parameter: a name in Records.states, the records in the state the step starts from
    # (drawn most often; the rest of the kind's pool still gets its 400)
    state: dict[str, str] = field(default_factory=dict)


W = Writer
WRITERS: dict[str, Writer] = {
    # platform: accounts, org, notifications, rules, imports
    "POST /auth/token": W(NOBODY, "none: username and password"),
    "POST /auth/password": W(
        "principal_a1",
        "own password (the old one to be given)",
        {"old_password": "password", "new_password": "strong_password"},
    ),
    "POST /auth/reauth": W("principal_a1", "oneself: password (no second factor)"),
    "PUT /security/policy": W("security_admin", "security.manage"),
    "POST /security/lockouts/unlock": W(
        "security_admin", "security.manage", {"username": "locked"}
    ),
    "POST /security/second-factors/{user_id}/reset": W("security_admin", "security.manage"),
    "POST /security/networks": W("security_admin", "security.manage", {"network": "network"}),
    "DELETE /security/networks/{network_id}": W("security_admin", "security.manage"),
    "DELETE /auth/tokens/{token_id}": W(
        "principal_a1", "own token", state={"token_id": "tokens:own"}
    ),
    "PATCH /schools/{school_id}": W("principal_a1", "school.change at A1"),
    "POST /users": W(
        "city_admin",
        "user.manage, staff assignable",
        {"role": "staff", "unit_id": "a1", "username": "new_username"},
    ),
    "PATCH /users/{user_id}": W("city_admin", "user.manage, manageable"),
    "POST /users/{user_id}/password-reset": W("city_admin", "user.manage, manageable"),
    "POST /users/{user_id}/roles": W("city_admin", "user.manage", {"unit_id": "a1"}),
    "DELETE /users/{user_id}/roles/{assignment_id}": W("city_admin", "user.manage"),
    "POST /notifications/{notification_id}/read": W(
        "principal_a1", "own message", state={"notification_id": "messages:own"}
    ),
    "POST /notifications/read-all": W("principal_a1", "own messages"),
    "POST /notifications/endpoints": W(
        "district_a",
        "notification.manage",
        {"unit_id": "district_a", "channel": "webhook", "url": "https"},
    ),
    "PATCH /notifications/endpoints/{endpoint_id}": W("district_a", "notification.manage"),
    "POST /notifications/endpoints/{endpoint_id}/test": W("district_a", "notification.manage"),
    "POST /rule-sets/{rule_set_id}/copy": W(
        "city_admin", "rules.manage", {"unit_id": "city", "data": "rules_data"}
    ),
    "POST /rule-set-assignments": W("city_admin", "rules.manage", {"unit_id": "district_a"}),
    "DELETE /rule-set-assignments/{assignment_id}": W("city_admin", "rules.manage"),
    "POST /imports/{key}": W(
        "director_a1", "device/defense/building.manage at A1", state={"key": "imports:buildings"}
    ),
    # hazards
    "POST /hazards": W("staff_a1", "hazard.report at A1"),
    "POST /hazards/{hazard_id}/assign": W(
        "principal_a1", "hazard.manage at A1", state={"hazard_id": "hazards:reported"}
    ),
    "POST /hazards/{hazard_id}/start": W(
        "director_a1", "the owner", state={"hazard_id": "hazards:assigned"}
    ),
    "POST /hazards/{hazard_id}/submit": W(
        "director_a1", "the owner", state={"hazard_id": "hazards:rectifying"}
    ),
    "POST /hazards/{hazard_id}/verify": W(
        "principal_a1",
        "hazard.manage at A1",
        state={"hazard_id": "hazards:awaiting"},
        hints={"note": "reason"},
    ),
    "POST /hazards/{hazard_id}/supervise": W(
        "district_a",
        "hazard.supervise at district A",
        {"unit_id": "district_a"},
        state={"hazard_id": "hazards:major"},
    ),
    "POST /hazards/{hazard_id}/photos": W("principal_a1", "hazard.manage at A1"),
    # the three lists
    "POST /schools/{school_id}/risk-points": W("director_a1", "risklist.manage at A1"),
    "POST /schools/{school_id}/risk-points/instantiate": W("principal_a1", "risklist.manage"),
    "POST /risk-points/{point_id}/assess": W("director_a1", "risklist.manage at A1"),
    "DELETE /risk-points/{point_id}": W("principal_a1", "risklist.manage at A1"),
    "PATCH /responsibilities/{item_id}": W("principal_a1", "risklist.manage at A1"),
    "POST /responsibilities/{item_id}/checks": W("principal_a1", "risklist.manage at A1"),
    # inspections
    "POST /checklists/from-catalog": W(
        "district_a", "inspection.plan at district A", {"unit_id": "district_a"}
    ),
    "POST /campaigns": W("district_a", "inspection.plan at district A", {"unit_id": "district_a"}),
    "POST /campaigns/{campaign_id}/inspections": W("district_a", "inspection.plan, organizer"),
    "POST /campaigns/{campaign_id}/select": W("district_a", "inspection.plan, organizer"),
    "POST /inspections/{inspection_id}/start": W("inspector", "the team"),
    "POST /inspections/{inspection_id}/submit": W(
        "inspector",
        "the team",
        {"results": "every_item_passed"},
        {"inspection_id": "inspections:started"},
    ),
    "POST /inspections/{inspection_id}/photos": W(
        "inspector", "the team", state={"inspection_id": "inspections:started"}
    ),
    "DELETE /inspections/photos/{photo_id}": W("inspector", "the team"),
    # patrols
    "POST /patrols/check-points": W("principal_a1", "patrol.manage at A1"),
    "PATCH /patrols/check-points/{point_id}": W("director_a1", "patrol.manage at A1"),
    "POST /patrols/check-points/{point_id}/renew-token": W("director_a1", "patrol.manage"),
    "POST /patrols/scan": W("guard_a1", "patrol.scan at A1"),
    # devices
    "POST /devices/cameras": W(
        "director_a1", "device.manage at A1", hints={"device_id": "free_device_id"}
    ),
    "PATCH /devices/cameras/{camera_id}": W("director_a1", "device.manage at A1"),
    "POST /devices/cameras/{camera_id}/deactivate": W("district_a", "device.manage, district"),
    "POST /devices/cameras/{camera_id}/activate": W("district_a", "device.manage, district"),
    "POST /devices/alarms": W(
        "director_a1", "device.manage at A1", hints={"device_id": "free_device_id"}
    ),
    "PATCH /devices/alarms/{alarm_id}": W("director_a1", "device.manage at A1"),
    "POST /devices/alarms/{alarm_id}/deactivate": W("principal_a1", "device.manage at A1"),
    "POST /devices/alarms/{alarm_id}/activate": W("principal_a1", "device.manage at A1"),
    "POST /devices/schools/{school_id}/tokens": W("director_a1", "device.manage at A1"),
    "POST /devices/tokens/{token_id}/revoke": W("director_a1", "device.manage at A1"),
    "POST /devices/status": W(DEVICE, "the school's device token"),
    # defenses
    "POST /defenses/guards": W(
        "director_a1", "defense.manage at A1", hints={"birth_year": "born", "licence_no": "licence"}
    ),
    "PATCH /defenses/guards/{guard_id}": W("director_a1", "defense.manage at A1"),
    "POST /defenses/gate-posts": W(
        "director_a1", "defense.manage at A1", hints={"starts_at": "seven", "ends_at": "eight"}
    ),
    "PATCH /defenses/gate-posts/{post_id}": W("principal_a1", "defense.manage at A1"),
    "POST /defenses/gate-posts/{post_id}/duties": W("principal_a1", "defense.manage at A1"),
    "DELETE /defenses/gate-post-duties/{duty_id}": W("director_a1", "defense.manage at A1"),
    "POST /defenses/sign-ins": W("staff_a1", "gatepost.sign at A1"),
    "PUT /defenses/equipment": W("director_a1", "defense.manage at A1"),
    "DELETE /defenses/equipment/{equipment_id}": W("director_a1", "defense.manage at A1"),
    "PUT /defenses/schools/{school_id}/security": W("principal_a1", "defense.manage at A1"),
    "POST /defenses/entries": W("guard_a1", "visitor.register at A1"),
    "POST /defenses/entries/{entry_id}/leave": W("guard_a1", "visitor.register at A1"),
    # buildings
    "POST /buildings": W("principal_a1", "building.manage at A1", hints={"floor_area_m2": "area"}),
    "PATCH /buildings/{building_id}": W("director_a1", "building.manage at A1"),
    "DELETE /buildings/{building_id}": W(
        "principal_a1", "building.manage at A1", state={"building_id": "buildings:loose"}
    ),
    "POST /remediation-projects": W("principal_a1", "building.manage at A1"),
    "PATCH /remediation-projects/{project_id}": W(
        "principal_a1", "building.manage at A1", state={"project_id": "projects:planned"}
    ),
    "POST /remediation-projects/{project_id}/start": W(
        "principal_a1", "building.manage", state={"project_id": "projects:planned"}
    ),
    "POST /remediation-projects/{project_id}/progress": W(
        "director_a1", "building.manage", state={"project_id": "projects:building"}
    ),
    "POST /remediation-projects/{project_id}/submit": W(
        "principal_a1", "building.manage", state={"project_id": "projects:building"}
    ),
    "POST /remediation-projects/{project_id}/accept": W(
        "district_a",
        "remediation.accept at district A",
        state={"project_id": "projects:awaiting"},
        hints={"note": "reason"},
    ),
    "POST /remediation-projects/{project_id}/resume": W(
        "director_a1", "building.manage", state={"project_id": "projects:rejected"}
    ),
    # emergency
    "POST /emergency/alarms": W(
        DEVICE, "the school's device token", hints={"event_id": "event_id"}
    ),
    "POST /emergency/alarms/press": W("guard_a1", "alarm.raise at A1"),
    "POST /emergency/alarms/{alarm_id}/reset": W(
        "guard_a1", "alarm.reset at A1", state={"alarm_id": "alarms:taken"}
    ),
    "POST /emergency/incidents": W(
        "principal_a1", "incident.raise at A1", {"incident_type": "fire"}
    ),
    "POST /emergency/incidents/{incident_id}/acknowledge": W(
        "principal_a1", "incident.respond", state={"incident_id": "incidents:raised"}
    ),
    "POST /emergency/incidents/{incident_id}/respond": W(
        "director_a1", "incident.respond", state={"incident_id": "incidents:raised"}
    ),
    "POST /emergency/incidents/{incident_id}/assign": W(
        "principal_a1", "incident.respond", state={"incident_id": "incidents:open"}
    ),
    "POST /emergency/incidents/{incident_id}/classify": W(
        "district_a", "incident.respond", state={"incident_id": "incidents:open"}
    ),
    "POST /emergency/incidents/{incident_id}/steps/{step}": W(
        "director_a1", "incident.respond", state={"incident_id": "incidents:responding"}
    ),
    "POST /emergency/incidents/{incident_id}/notes": W(
        "principal_a1", "incident.respond", state={"incident_id": "incidents:open"}
    ),
    "POST /emergency/incidents/{incident_id}/resolve": W(
        "principal_a1", "incident.respond", state={"incident_id": "incidents:responding"}
    ),
    "POST /emergency/incidents/{incident_id}/close": W(
        "principal_a1",
        "incident.respond",
        state={"incident_id": "incidents:resolved"},
        hints={"report": "report"},
    ),
    "POST /emergency/plans": W(
        "city_officer",
        "plan.manage at the city",
        {"unit_id": "city", "steps": "plan_steps", "incident_type": "fire"},
    ),
    "PATCH /emergency/plans/{plan_id}": W(
        "city_officer", "plan.manage, a city plan", state={"plan_id": "plans:city"}
    ),
    "POST /emergency/plans/{plan_id}/adopt": W(
        "principal_a1", "plan.manage, leads A1", state={"plan_id": "plans:city"}
    ),
    "POST /emergency/plans/{plan_id}/deactivate": W(
        "city_officer", "plan.manage, a city plan", state={"plan_id": "plans:city"}
    ),
    "POST /emergency/plans/{plan_id}/activate": W(
        "city_officer", "plan.manage, a city plan", state={"plan_id": "plans:retired"}
    ),
}

# The persona who may write nothing of A1: staff at school B1 of district B. Every write aimed
# at A1's records answers 404 ("the record is outside the user's scope"), except where the
# role holds the action nowhere and the endpoint says so before it looks the record up: 403.
OUTSIDER = "teacher_b1"
# The outsider's requests name the records of the writer's `state` where it has one (a city
# plan, read by B1 too: "in scope without the action", 403).
OUTSIDER_403 = {
    # user.manage nowhere: refused before the user or unit is looked up ("the role allows the
    # action nowhere")
    "POST /users",
    "PATCH /users/{user_id}",
    "POST /users/{user_id}/password-reset",
    # security.manage nowhere (the security administrator's alone)
    "PUT /security/policy",
    "POST /security/lockouts/unlock",
    "POST /security/second-factors/{user_id}/reset",
    "POST /security/networks",
    "DELETE /security/networks/{network_id}",
    "POST /users/{user_id}/roles",
    "DELETE /users/{user_id}/roles/{assignment_id}",
    # building.manage, the buildings importer's action, nowhere
    "POST /imports/{key}",
    # plan.manage nowhere; the city's plans are read at B1 ("in scope without the action")
    "POST /emergency/plans",
    "PATCH /emergency/plans/{plan_id}",
    "POST /emergency/plans/{plan_id}/deactivate",
    "POST /emergency/plans/{plan_id}/activate",
}
# Operations the outsider is not refused, by design: its own messages and tokens (another's
# answer 404), and those that are not a person's (login, device tokens).
OUTSIDER_EXEMPT = {
    "POST /auth/token",
    "POST /auth/password",
    "POST /auth/reauth",
    "POST /notifications/read-all",
    "POST /devices/status",
    "POST /emergency/alarms",
}
