"""The records the schema fuzzing aims at (test_api_schema_fuzz.py): one or more in-scope
records of each kind the API's `{id}` paths name, at school A1 (district A), made with the
services as the pages make them, and the workflow records in each state that has a step — so
that whichever step a generated request asks for, some record of the pool can take it.

`pools`: {the path before the `{parameter}` (e.g. "/hazards/"): the ids to draw from};
`hints`: values that exist, for the body fields that name a record (school_id, owner_id …)
and for the uploaded files (a small JPEG).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from axes.models import AccessAttempt

from safecampus.access.models import RoleAssignment
from safecampus.accounts.models import OutboundNetwork
from safecampus.audit.models import AuditEntry
from safecampus.buildings.services import (
    building_create,
    project_accept,
    project_create,
    project_start,
    project_submit,
)
from safecampus.defenses.models import GatePost, GatePostDuty, Guard
from safecampus.defenses.services import entry_register, equipment_set, record_save
from safecampus.devices.services import device_create, device_token_issue
from safecampus.emergency.plan_services import plan_create, plan_deactivate
from safecampus.emergency.services import (
    alarm_press,
    incident_acknowledge,
    incident_close,
    incident_raise,
    incident_resolve,
    incident_respond,
)
from safecampus.hazards.services import (
    hazard_assign,
    hazard_photo_add,
    hazard_report,
    hazard_start,
    hazard_submit,
    hazard_verify,
)
from safecampus.inspections.services import (
    campaign_create,
    checklist_from_catalog,
    inspection_photo_add,
    inspection_plan,
    inspection_start,
)
from safecampus.notifications.services import endpoint_create, notify
from safecampus.patrols.services import checkpoint_create
from safecampus.risks.services import catalog_publish_starter
from safecampus.rules.models import RuleSet
from safecampus.rules.services import rule_set_assign, rule_set_copy
from safecampus.threelists.models import ResponsibilityItem, SchoolRiskPoint
from safecampus.threelists.services import lists_fill_from_catalog

from .factories import PASSWORD, RoleAssignmentFactory, UserFactory, api_token, jpeg, photo_upload


def _buildings_workbook(school) -> bytes:
    """A buildings import of one new building of `school`, as a bureau fills the template."""
    from openpyxl import Workbook

    from safecampus.buildings.excel import COLUMNS

    book = Workbook()
    sheet = book.active
    sheet.append([str(column.header) for column in COLUMNS])
    sheet.append([school.unit.code, school.unit.name, "9号楼", "教学", "框架", 4, 3200.5, 2008])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Records:
    pools: dict[str, list] = field(default_factory=dict)
    hints: dict[str, object] = field(default_factory=dict)
    # Named ids and values for one operation (fuzz_personas.py): the workflow records in the
    # state a step starts from ("hazards:awaiting"), the units, composite bodies.
    states: dict[str, list] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    device_token: str = ""


def _hazards(world, today):
    principal, director = world.users["principal_a1"], world.users["director_a1"]
    a1 = world.a1

    def report(n, level="general"):
        hazard, _ = hazard_report(
            user=principal, school=a1, description=f"隐患{n}", source="report", level=level
        )
        return hazard

    reported = [report(1), report(2, level="major")]
    assigned, rectifying, awaiting, closed = report(3), report(4), report(5), report(6)
    for hazard in (assigned, rectifying, awaiting, closed):
        hazard_assign(user=principal, hazard=hazard, owner=director, deadline=today + timedelta(30))
    for hazard in (rectifying, awaiting, closed):
        hazard_start(user=director, hazard=hazard, plan="更换扶手", measures="设置警示")
    for hazard in (awaiting, closed):
        hazard_submit(user=director, hazard=hazard, result="已更换")
    hazard_verify(user=principal, hazard=closed, accept=True)
    photo = hazard_photo_add(user=principal, hazard=reported[0], upload=photo_upload())
    return [*reported, assigned, rectifying, awaiting, closed], photo


def _projects(world, today):
    principal, officer = world.users["principal_a1"], world.users["district_a"]

    def building(n):
        return building_create(
            user=principal,
            school=world.a1,
            name=f"{n}号楼",
            use="teaching",
            structure="frame",
            storeys=3,
            floor_area_m2=Decimal("1200.00"),
            year_built=2001,
        )

    loose = building(1)  # covered by no project: may be deleted
    projects = []
    for n, kind in enumerate(("fire", "seismic", "fire", "seismic"), start=2):
        project, _ = project_create(
            user=principal,
            school=world.a1,
            name=f"整改工程{n}",
            kind=kind,
            buildings=[building(n)],
            plan="加固",
            budget_yuan=Decimal("100000.00"),
            planned_start=today,
            planned_end=today + timedelta(days=90),
        )
        projects.append(project)
    planned, building_, awaiting, rejected = projects
    for project in (building_, awaiting, rejected):
        project_start(user=principal, project=project, on=today)
    for project in (awaiting, rejected):
        project_submit(user=principal, project=project, on=today)
    project_accept(user=officer, project=rejected, passed=False, note="未达标", on=today)
    return [loose, *(p.buildings.first() for p in projects)], projects


def _incidents(world):
    principal, guard = world.users["principal_a1"], world.users["guard_a1"]
    raised, _ = alarm_press(user=principal, school=world.a1, client_key="fuzz-alarm-raised")
    taken, _ = alarm_press(user=guard, school=world.a1, client_key="fuzz-alarm-taken")
    incident_acknowledge(user=principal, incident=taken.incident)
    responding, _ = incident_raise(
        user=principal, school=world.a1, incident_type="fire", severity=4, description="走廊冒烟"
    )
    incident_respond(user=principal, incident=responding)
    resolved, _ = incident_raise(
        user=principal, school=world.a1, incident_type="fire", severity=4, description="电器起火"
    )
    incident_respond(user=principal, incident=resolved)
    incident_resolve(user=principal, incident=resolved)
    closed, _ = incident_raise(
        user=principal, school=world.a1, incident_type="other", severity=4, description="演练"
    )
    incident_respond(user=principal, incident=closed)
    incident_resolve(user=principal, incident=closed)
    incident_close(user=principal, incident=closed, report="处置完毕，人员已全部疏散，无人员伤亡。")
    incidents = [raised.incident, taken.incident, responding, resolved, closed]
    # The alarm of the taken incident may be reset; the other's not yet (400).
    return incidents, [taken, raised]


@pytest.fixture
def fuzz_records(world) -> Records:
    users = world.users
    principal, director, officer = users["principal_a1"], users["director_a1"], users["district_a"]
    inspector, admin = users["inspector"], users["city_admin"]
    a1, today = world.a1, date.today()

    hazards, hazard_photo = _hazards(world, today)
    buildings, projects = _projects(world, today)
    city_plan = plan_create(
        user=users["city_officer"],
        unit=world.city,
        incident_type="fire",
        title="火灾应急预案",
        steps=[{"text": "组织疏散", "role": "班主任"}, {"text": "清点人数", "role": "班主任"}],
    )
    flood_plan = plan_create(
        user=users["city_officer"],
        unit=world.city,
        incident_type="drowning",
        title="防汛应急预案",
        steps=[{"text": "转移师生", "role": "班主任"}],
    )
    retired_plan = plan_create(
        user=users["city_officer"],
        unit=world.city,
        incident_type="earthquake",
        title="地震应急预案",
        steps=[{"text": "就地避险", "role": "班主任"}],
    )
    plan_deactivate(user=users["city_officer"], plan=retired_plan)
    school_plan = plan_create(
        user=principal,
        unit=a1.unit,
        incident_type="intrusion",
        title="防暴应急预案",
        steps=[{"text": "关闭校门", "role": "保安"}],
    )

    # After the plans: a fire incident has the city plan's steps to tick.
    incidents, alarms = _incidents(world)

    camera = device_create(
        user=officer,
        kind="camera",
        school=a1,
        name="校门口枪机",
        device_id="37060200051328000001",
        place="main_entrance",
    )
    button = device_create(
        user=officer,
        kind="alarm",
        school=a1,
        name="门卫室报警按钮",
        device_id="37060200051348000002",
        place="gate_house",
    )
    device_token, raw_device_token = device_token_issue(user=officer, school=a1, name="网关")
    spare_token, _ = device_token_issue(user=officer, school=a1, name="备用网关")

    catalog = catalog_publish_starter(unit=world.city, group="k12")
    lists_fill_from_catalog(a1)
    risk_points = list(SchoolRiskPoint.objects.filter(school=a1).order_by("pk")[:3])
    items = list(ResponsibilityItem.objects.filter(risk_point__school=a1).order_by("pk")[:3])

    template = checklist_from_catalog(
        user=officer, unit=world.district_a, catalog=catalog, name="表"
    )
    campaign = campaign_create(
        user=officer,
        unit=world.district_a,
        name="甲区自查",
        kind="self",
        starts_on=today,
        ends_on=today + timedelta(days=30),
        template=template,
    )
    planned = inspection_plan(user=officer, campaign=campaign, school=a1, team=[inspector])
    # A campaign that lists no school yet: A1 and A2 may still be planned or drawn.
    open_campaign = campaign_create(
        user=officer,
        unit=world.district_a,
        name="甲区抽查",
        kind="spot",
        starts_on=today,
        ends_on=today + timedelta(days=30),
        template=template,
    )
    started = inspection_plan(
        user=officer, campaign=open_campaign, school=world.a2, team=[inspector]
    )
    inspection_start(user=inspector, inspection=started)
    first_item = template.items.order_by("order").first()
    inspection_photo, _ = inspection_photo_add(
        user=inspector, inspection=started, item_id=first_item.pk, upload=photo_upload()
    )

    point = checkpoint_create(user=principal, school=a1, name="东门", is_key_area=True)
    endpoint = endpoint_create(
        user=officer,
        unit=world.district_a,
        channel="webhook",
        name="区值班平台",
        url="https://hooks.example.org/safecampus",
    )
    guard = record_save(
        user=principal, record=Guard(school=a1, name="王保安", birth_year=1980, licence_no="L1")
    )
    post = record_save(
        user=principal,
        record=GatePost(
            school=a1, name="东门护学岗", period="arrival", starts_at="07:00", ends_at="08:00"
        ),
    )
    duty = record_save(
        user=principal, record=GatePostDuty(post=post, name="张老师", kind="teacher")
    )
    equipment = equipment_set(user=principal, school=a1, kind="helmet", quantity=2)
    entry, _ = entry_register(
        user=principal,
        school=a1,
        visitor_name="李四",
        id_last4="123X",
        reason="送货",
        host="总务处",
    )

    builtin = RuleSet.objects.filter(unit__isnull=True, kind="hazard_deadline").order_by("pk")
    city_rules = rule_set_copy(
        user=admin,
        source=builtin.first(),
        unit=world.city,
        name="测试市隐患整改期限",
        version="2024",
        effective_from=today,
        authority="测试市教育局",
        data=builtin.first().data,
    )
    rule_assignment = rule_set_assign(user=admin, unit=world.district_a, rule_set=city_rules)

    # Accounts the managers may change (never a persona: deactivating one would lock the
    # fuzzing out); two roles each, so one may be removed.
    managed = []
    for n in range(2):
        user = UserFactory(username=f"fuzz_staff{n}")
        RoleAssignmentFactory(user=user, unit=a1.unit, role="staff")
        RoleAssignmentFactory(user=user, unit=a1.unit, role="counsellor")
        managed.append(user)
    removable = RoleAssignment.objects.filter(user__in=managed, role="counsellor")
    login_user = UserFactory(username="fuzz_login")
    RoleAssignmentFactory(user=login_user, unit=a1.unit, role="staff")
    # An account the lockout holds (the security administrator lifts it), a network of the
    # security administrator's allow-list.
    AccessAttempt.objects.create(
        username="fuzz_locked",
        ip_address="192.0.2.1",
        user_agent="fuzz",
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/accounts/login/",
        failures_since_start=5,
    )
    network = OutboundNetwork.objects.create(network="10.98.0.0/16", note="fuzz")

    # Every persona has messages and a spare token of its own (not the one it calls with).
    messages, spare_tokens = [], []
    for user in users.values():
        messages += notify([user], kind="hazard_assigned", title="测试消息")
        api_token(user)
        spare_tokens.append(user.api_tokens.order_by("-pk").first().pk)
    own_tokens = set(principal.api_tokens.values_list("pk", flat=True))

    ids = lambda rows: [row.pk for row in rows]  # noqa: E731
    return Records(
        pools={
            "/imports/": ["cameras", "guards", "buildings", "schools", "risk-catalog"],
            "/schools/": [a1.pk],
            "/orgs/": [a1.unit_id, world.district_a.pk],
            "/users/": ids(managed),
            "/security/second-factors/": ids(managed),
            "/security/networks/": [network.pk],
            "/roles/": ids(removable),
            "/auth/tokens/": spare_tokens,
            "/notifications/": ids(messages),
            "/notifications/endpoints/": [endpoint.pk],
            "/rule-sets/": [city_rules.pk, *ids(builtin)],
            "/rule-set-assignments/": [rule_assignment.pk],
            "/risk-catalogs/": [catalog.pk],
            "/hazards/": ids(hazards),
            "/hazards/photos/": [hazard_photo.pk],
            "/risk-points/": ids(risk_points),
            "/responsibilities/": ids(items),
            "/campaigns/": [open_campaign.pk, campaign.pk],
            "/inspections/": [started.pk, planned.pk],
            "/inspections/photos/": [inspection_photo.pk],
            "/patrols/check-points/": [point.pk],
            "/patrols/scan/": [point.token],
            "/patrols/schools/": [a1.pk],
            "/devices/cameras/": [camera.pk],
            "/devices/alarms/": [button.pk],
            "/devices/schools/": [a1.pk],
            "/devices/tokens/": [spare_token.pk, device_token.pk],
            "/defenses/guards/": [guard.pk],
            "/defenses/gate-posts/": [post.pk],
            "/defenses/gate-post-duties/": [duty.pk],
            "/defenses/equipment/": [equipment.pk],
            "/defenses/entries/": [entry.pk],
            "/defenses/schools/": [a1.pk],
            "/buildings/": ids(buildings),
            "/remediation-projects/": ids(projects),
            "/emergency/alarms/": ids(alarms),
            "/emergency/incidents/": ids(incidents),
            "/steps/": [0, 1],
            "/emergency/plans/": [city_plan.pk, flood_plan.pk, retired_plan.pk, school_plan.pk],
            "/audit/entries/": list(
                AuditEntry.objects.exclude(unit_path="")
                .order_by("pk")
                .values_list("pk", flat=True)[:3]
            ),
        },
        hints={
            "school_id": a1.pk,
            "school": a1.pk,
            "owner_id": director.pk,
            "assignee_id": director.pk,
            "person_id": director.pk,
            "team": [inspector.pk],
            "post_id": post.pk,
            "item_id": first_item.pk,
            "building_ids": [buildings[0].pk],
            "template_id": template.pk,
            "catalog_id": catalog.pk,
            "rule_set_id": city_rules.pk,
            "token": point.token,
            "device_id": button.device_id,
            "aspect": "01",
            "username": login_user.username,
            "password": PASSWORD,
            "photo": jpeg(),
            "deadline": (today + timedelta(days=30)).isoformat(),
            "on": today.isoformat(),
            "mapping": "{}",
            "planned_start": today.isoformat(),
            "planned_end": (today + timedelta(days=90)).isoformat(),
            # The decimals: their documented schema is wider than what the API takes (any
            # string, a number of any precision), so valid-looking data is often refused (422).
            "money": "1000.00",
            "budget_yuan": "100000.00",
            "floor_area_m2": "1200.50",
            "latitude": "37.5",
            "longitude": "121.4",
            "file": _buildings_workbook(a1),
        },
        states={
            "hazards:reported": [hazards[0].pk],
            "hazards:major": [hazards[1].pk],
            "hazards:assigned": [hazards[2].pk],
            "hazards:rectifying": [hazards[3].pk],
            "hazards:awaiting": [hazards[4].pk],
            "projects:planned": [projects[0].pk],
            "projects:building": [projects[1].pk],
            "projects:awaiting": [projects[2].pk],
            "projects:rejected": [projects[3].pk],
            "incidents:raised": [incidents[0].pk],
            "incidents:open": ids(incidents[1:4]),
            "incidents:responding": [incidents[2].pk],
            "incidents:resolved": [incidents[3].pk],
            "alarms:taken": [alarms[0].pk],
            "inspections:started": [started.pk],
            "plans:city": [city_plan.pk, flood_plan.pk],
            "plans:retired": [retired_plan.pk],
            "tokens:own": [t for t in spare_tokens if t in own_tokens],
            "messages:own": [m.pk for m in messages if m.user_id == principal.pk],
            "buildings:loose": [buildings[0].pk],
            "imports:buildings": ["buildings"],  # the workbook of the hints
        },
        values={
            "locked": "fuzz_locked",
            "network": "10.40.0.0/16",
            "city": world.city.pk,
            "district_a": world.district_a.pk,
            "a1": a1.unit_id,
            "every_item_passed": [
                {"item_id": item.pk, "outcome": "pass"} for item in template.items.all()
            ],
            "webhook": "webhook",
            "https": "https://hooks.example.org/fuzz",
            "rules_data": builtin.first().data,
            "plan_steps": [{"text": "组织疏散", "role": "班主任"}],
            "fire": "fire",
            "staff": "staff",
            "free_device_id": "37060200051328009999",
            "area": "1200.50",
            "seven": "07:00",
            "eight": "08:00",
            "born": 1985,
            "licence": "鲁保 2024-001",
            "event_id": "fuzz-event-1",
            "report": "处置完毕，人员已全部疏散，无人员伤亡。",
            "new_username": "fuzz_new_user",
            "reason": "整改不到位，需返工后再验收",
            "password": PASSWORD,  # every persona's (tests/factories.py)
            "strong_password": "Lanqiu-Hetang-37!",
        },
        device_token=raw_device_token,
    )
