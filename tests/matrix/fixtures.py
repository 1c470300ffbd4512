"""The matrix's fixture, built once for the module on its world (tests/conftest.py): the
personas' city, a district auditor, one record of every kind the pages and API name, and a
secret spot check.

Records at school A1 are the ones the declarations act on; a few records at school B1 are
only there to leak: every record and unit carries a marker (its name), and a 200 answer must
not contain the marker of a unit or record outside the caller's tree. The secret spot check
(an unannounced check organized by the city at A1, not started) carries its own marker.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.test import Client

from ..conftest import PERSONAS, World
from ..factories import RoleAssignmentFactory, UserFactory, photo_upload

# The marker of the secret spot check: its campaign's name, hence part of the inspection's
# name ("… · 甲区第一小学") and of the audit entries of both.
SECRET = "MX绝密抽查"
# The records plant_secret adds: its campaign, the inspection of A1, the inspection's first entry.
SECRET_RECORDS = ("secret_campaign", "secret", "audit_secret")

# persona -> (role, unit attribute): the conftest personas and the district auditor.
MATRIX_PERSONAS = {**PERSONAS, "auditor_a": ("auditor", "district_a")}
ANONYMOUS = "anonymous"


@dataclass
class Matrix:
    world: World
    units: dict  # name -> OrgUnit ("city", "district_a", "a1" …)
    persona_units: dict  # persona -> OrgUnit
    persona_roles: dict  # persona -> role
    objects: dict  # name -> record
    object_units: dict  # name -> OrgUnit the record belongs to
    markers: dict  # marker -> OrgUnit it belongs to
    hints: dict  # body field -> value that exists (for bodies built from the schema)
    device_token: str = ""
    clients: dict = field(default_factory=dict)
    # (endpoint name, persona) -> what a reader of the secret's school saw before it existed
    baseline: dict = field(default_factory=dict)
    secret_team: set = field(default_factory=set)  # usernames
    # notices(SECRET_READERS) before and after the secret was planted
    told: tuple = ()


def _with_the_district_auditor(world: World) -> World:
    """The module's world (tests/conftest.py) and the auditor of district A."""
    user = UserFactory(username="auditor_a")
    RoleAssignmentFactory(user=user, unit=world.district_a, role="auditor")
    return replace(world, users={**world.users, "auditor_a": user})


def _small_catalog(unit):
    """The city's k12 catalog: the starter's first point of each aspect, so that every page
    and workbook of the catalog and of A1's lists has rows without rendering all 110."""
    from safecampus.risks.services import _publish, starter_draft

    meta, draft = starter_draft("k12")
    first = {}
    for point in draft.points:
        first.setdefault(point["aspect"].code, point)
    return _publish(
        unit=unit,
        group="k12",
        name=meta["name"],
        version=meta["version"],
        source=meta["source"],
        draft=replace(draft, points=list(first.values())),
    )


def build(world: World) -> Matrix:  # noqa: PLR0915 - one record of each kind, in their order
    from safecampus.access.models import RoleAssignment
    from safecampus.accounts.models import ApiToken, OutboundNetwork
    from safecampus.audit.models import AuditEntry
    from safecampus.buildings.models import Building
    from safecampus.buildings.services import building_create, project_create
    from safecampus.defenses.models import EntryRecord, GatePost, GatePostDuty, Guard
    from safecampus.defenses.services import entry_register, equipment_set, record_save
    from safecampus.devices.services import device_create, device_token_issue
    from safecampus.emergency.plan_services import plan_adopt, plan_create
    from safecampus.emergency.services import alarm_press
    from safecampus.hazards.services import hazard_photo_add, hazard_report
    from safecampus.inspections.services import (
        campaign_create,
        checklist_from_catalog,
        inspection_photo_add,
        inspection_plan,
        inspection_start,
    )
    from safecampus.notifications.services import endpoint_create, notify
    from safecampus.patrols.services import checkpoint_create
    from safecampus.rules.models import RuleSet
    from safecampus.rules.services import rule_set_assign
    from safecampus.threelists.models import ResponsibilityItem, SchoolRiskPoint
    from safecampus.threelists.services import lists_fill_from_catalog

    from ..factories import api_token

    world = _with_the_district_auditor(world)
    u = world.users
    principal, officer, inspector = u["principal_a1"], u["district_a"], u["inspector"]
    a1, b1, today = world.a1, world.b1, date.today()
    o: dict = {"a1": a1, "a2": world.a2, "b1": b1, "c1": world.c1}
    o |= {"city": world.city, "district_a": world.district_a, "district_b": world.district_b}

    o["hazard"], _ = hazard_report(
        user=principal, school=a1, description="MXA1楼梯扶手松动", source="report"
    )
    o["hazard_b1"], _ = hazard_report(
        user=u["teacher_b1"], school=b1, description="MXB1围墙破损", source="report"
    )
    o["hazard_photo"] = hazard_photo_add(user=principal, hazard=o["hazard"], upload=photo_upload())
    o["alarm"], _ = alarm_press(
        user=principal, school=a1, client_key="matrix-alarm-a1", note="MXA1报警"
    )
    o["incident"] = o["alarm"].incident
    o["alarm_b1"], _ = alarm_press(
        user=u["teacher_b1"], school=b1, client_key="matrix-alarm-b1", note="MXB1报警"
    )
    o["plan"] = plan_create(
        user=u["city_officer"],
        unit=world.city,
        incident_type="fire",
        title="MX市火灾应急预案",
        steps=[{"text": "组织疏散", "role": "班主任"}],
    )
    o["plan_a1"] = plan_adopt(user=principal, plan=o["plan"], school=a1)
    o["building"] = building_create(
        user=principal,
        school=a1,
        name="MXA1教学楼",
        use="teaching",
        structure="frame",
        storeys=3,
        floor_area_m2=Decimal("1200.00"),
        year_built=2001,
    )
    o["building_b1"] = Building.objects.create(
        school=b1,
        name="MXB1实验楼",
        use="teaching",
        structure="frame",
        storeys=4,
        floor_area_m2=Decimal("900.00"),
        year_built=1999,
    )
    o["project"], _ = project_create(
        user=principal,
        school=a1,
        name="MXA1加固工程",
        kind="both",
        buildings=[o["building"]],
        plan="抗震加固",
        budget_yuan=Decimal("100000.00"),
        planned_start=today,
        planned_end=today + timedelta(days=90),
    )
    o["camera"] = device_create(
        user=officer,
        kind="camera",
        school=a1,
        name="MXA1校门枪机",
        device_id="37060200051328000001",
        place="main_entrance",
    )
    o["camera_b1"] = device_create(
        user=u["district_b"],
        kind="camera",
        school=b1,
        name="MXB1校门枪机",
        device_id="37060200051328000009",
        place="main_entrance",
    )
    o["button"] = device_create(
        user=officer,
        kind="alarm",
        school=a1,
        name="MXA1报警按钮",
        device_id="37060200051348000002",
        place="gate_house",
    )
    o["device_token"], raw_device_token = device_token_issue(
        user=officer, school=a1, name="MXA1网关"
    )
    o["catalog"] = _small_catalog(world.city)
    lists_fill_from_catalog(a1)
    o["risk_point"] = SchoolRiskPoint.objects.filter(school=a1).order_by("pk").first()
    o["item"] = ResponsibilityItem.objects.filter(risk_point__school=a1).order_by("pk").first()
    o["template"] = checklist_from_catalog(
        user=officer, unit=world.district_a, catalog=o["catalog"], name="MX甲区检查表"
    )
    o["campaign"] = campaign_create(
        user=officer,
        unit=world.district_a,
        name="MX甲区自查",
        kind="self",
        starts_on=today,
        ends_on=today + timedelta(days=30),
        template=o["template"],
    )
    o["inspection"] = inspection_plan(
        user=officer, campaign=o["campaign"], school=a1, team=[inspector]
    )
    inspection_start(user=inspector, inspection=o["inspection"])
    first_item = o["template"].items.order_by("order").first()
    o["inspection_photo"], _ = inspection_photo_add(
        user=inspector, inspection=o["inspection"], item_id=first_item.pk, upload=photo_upload()
    )
    # The city's checklist is reference data every unit below reads: it is there before the
    # secret, which is only the spot check planned with it (plant_secret).
    o["city_template"] = checklist_from_catalog(
        user=u["city_officer"], unit=world.city, catalog=o["catalog"], name="MX市抽查表"
    )
    o["point"] = checkpoint_create(user=principal, school=a1, name="MXA1东门", is_key_area=True)
    o["point_b1"] = checkpoint_create(user=_b1_principal(world), school=b1, name="MXB1西门")
    o["endpoint"] = endpoint_create(
        user=officer,
        unit=world.district_a,
        channel="webhook",
        name="MX甲区值班平台",
        url="https://hooks.example.org/safecampus",
    )
    o["guard"] = record_save(
        user=principal, record=Guard(school=a1, name="MXA1王保安", birth_year=1980, licence_no="L1")
    )
    o["guard_b1"] = Guard.objects.create(
        school=b1, name="MXB1赵保安", birth_year=1975, licence_no="L9"
    )
    o["post"] = record_save(
        user=principal,
        record=GatePost(
            school=a1, name="MXA1东门护学岗", period="arrival", starts_at="07:00", ends_at="08:00"
        ),
    )
    o["duty"] = record_save(
        user=principal,
        record=GatePostDuty(post=o["post"], name="MXA1值岗老师", kind="teacher"),
    )
    o["equipment"] = equipment_set(user=principal, school=a1, kind="stab_vest", quantity=4)
    o["entry"], _ = entry_register(
        user=principal,
        school=a1,
        visitor_name="MXA1李四",
        id_last4="123X",
        reason="送货",
        host="总务处",
    )
    o["entry_b1"] = EntryRecord.objects.create(
        school=b1, visitor_name="MXB1王五", id_last4="456X", reason="维修", host="总务处"
    )
    o["rule_set"] = RuleSet.objects.filter(unit__isnull=True).order_by("pk").first()
    o["rule_assignment"] = rule_set_assign(
        user=u["city_admin"], unit=world.district_a, rule_set=o["rule_set"]
    )
    (o["notification"],) = notify(
        [u["staff_a1"]], kind="hazard.assigned", title="MXA1通知", url="/hazards/"
    )
    o["user"] = u["staff_a1"]
    o["network"] = OutboundNetwork.objects.create(network="10.99.0.0/16", note="MX白名单")
    o["role_assignment"] = RoleAssignment.objects.get(user=u["staff_a1"])
    api_token(u["staff_a1"])
    o["api_token"] = ApiToken.objects.get(user=u["staff_a1"])
    o["audit_entry"] = (
        AuditEntry.objects.filter(object_type="hazards.hazard", object_id=str(o["hazard"].pk))
        .order_by("pk")
        .first()
    )

    units = {
        "city": world.city,
        "district_a": world.district_a,
        "district_b": world.district_b,
        "a1": world.a1.unit,
        "a2": world.a2.unit,
        "b1": world.b1.unit,
        "c1": world.c1.unit,
    }
    object_units = {name: _unit_of(name, obj, units) for name, obj in o.items()}
    markers = {unit.name: unit for key, unit in units.items() if key not in ("city",)}
    markers.update({"MXA1": units["a1"], "MXB1": units["b1"]})
    hints = {
        "school_id": a1.pk,
        "school": a1.pk,
        "unit_id": a1.unit_id,
        "owner_id": u["director_a1"].pk,
        "assignee_id": u["director_a1"].pk,
        "person_id": u["director_a1"].pk,
        "team": [inspector.pk],
        "post_id": o["post"].pk,
        "item_id": first_item.pk,
        "building_ids": [o["building"].pk],
        "template_id": o["template"].pk,
        "catalog_id": o["catalog"].pk,
        "rule_set_id": o["rule_set"].pk,
        "token": o["point"].token,
        "device_id": o["button"].device_id,
        "aspect": "01",
    }
    return Matrix(
        world=world,
        units=units,
        persona_units={p: units[unit] for p, (_, unit) in MATRIX_PERSONAS.items()},
        persona_roles={p: role for p, (role, _) in MATRIX_PERSONAS.items()},
        objects=o,
        object_units=object_units,
        markers=markers,
        hints=hints,
        device_token=raw_device_token,
    )


def plant_secret(matrix: Matrix) -> None:
    """The secret: an unannounced spot check of A1 organized by the city, planned with its
    team (the inspector), not started. Planted after the rest, so that what the school and
    its district see can be compared before and after (dsl.baseline)."""
    from safecampus.audit.models import AuditEntry
    from safecampus.inspections.services import campaign_create, inspection_plan

    o, u, today = matrix.objects, matrix.world.users, date.today()
    o["secret_campaign"] = campaign_create(
        user=u["city_officer"],
        unit=matrix.world.city,
        name=SECRET,
        kind="spot",
        starts_on=today,
        ends_on=today + timedelta(days=30),
        template=o["city_template"],
    )
    o["secret"] = inspection_plan(
        user=u["city_officer"],
        campaign=o["secret_campaign"],
        school=matrix.world.a1,
        team=[u["inspector"]],
    )
    o["audit_secret"] = (
        AuditEntry.objects.filter(
            object_type="inspections.inspection", object_id=str(o["secret"].pk)
        )
        .order_by("pk")
        .first()
    )
    for name in SECRET_RECORDS:
        matrix.object_units[name] = _unit_of(name, o[name], matrix.units)
    matrix.secret_team = {user.username for user in o["secret"].team.all()}


def notices(readers) -> tuple[int, int]:
    """What the platform told anyone: messages to `readers` (usernames), deliveries out."""
    from safecampus.notifications.models import Delivery, Notification

    return (
        Notification.objects.filter(user__username__in=readers).count(),
        Delivery.objects.count(),
    )


def _b1_principal(world: World):
    """A principal of B1 who is not a persona: B1's own records are made by its own people."""
    user = UserFactory(username="mx_principal_b1")
    RoleAssignmentFactory(user=user, unit=world.b1.unit, role="principal")
    return user


def _unit_of(name: str, obj, units: dict):
    from safecampus.orgs.models import OrgUnit, School

    if isinstance(obj, School):
        return obj.unit
    if isinstance(obj, OrgUnit):
        return obj
    if name.endswith("_b1"):
        return units["b1"]
    if name in ("plan", "catalog", "city_template", "secret_campaign", "rule_set"):
        return units["city"]
    if name in ("template", "campaign", "endpoint", "rule_assignment"):
        return units["district_a"]
    return units["a1"]


def clients(matrix: Matrix) -> dict[str, Client]:
    """A logged-in client per persona (and an anonymous one), reused by every check."""
    found = {ANONYMOUS: Client()}
    for persona, user in matrix.world.users.items():
        client = Client()
        client.force_login(user)
        found[persona] = client
    return found
