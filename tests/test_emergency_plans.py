"""Emergency plans (应急预案): the city publishes, a school adopts and adapts its copy, one
active plan per type at a school — through the services, the pages and the API, for every
role inside and outside its scope; bad input gets a clear message and changes nothing."""

import random

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safecampus.audit.models import AuditEntry
from safecampus.core.errors import BusinessRuleError
from safecampus.emergency.demo import emergency_plans_of
from safecampus.emergency.models import EmergencyPlan
from safecampus.emergency.plan_services import (
    plan_activate,
    plan_adopt,
    plan_create,
    plan_deactivate,
    plan_update,
)
from safecampus.emergency.services import plan_for

from .conftest import PERSONAS

STEPS = [
    {"role": "发现人", "text": "立即按下一键式紧急报警按钮，拨打 110"},
    {"role": "保安员", "text": "持钢叉、盾牌阻隔嫌疑人"},
    {"role": "", "text": "组织学生撤离至安全区域，清点人数"},
]


def _city_plan(world, incident_type="intrusion", title="校园不法侵害事件应急预案", steps=STEPS):
    return plan_create(
        user=world.users["city_officer"],
        unit=world.city,
        incident_type=incident_type,
        title=title,
        summary="适用于不法分子闯入校园",
        steps=steps,
    )


def _copy(world, plan, school=None, user="principal_a1"):
    return plan_adopt(user=world.users[user], plan=plan, school=school or world.a1)


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


def _form(title="教学楼火灾应急预案", steps=STEPS, **fields):
    """The page's form body: the step editor posts one role and one text per row."""
    return {
        "title": title,
        "summary": "",
        "step_role": [s["role"] for s in steps],
        "step_text": [s["text"] for s in steps],
        **fields,
    }


# --- services --------------------------------------------------------------------------------


def test_the_city_publishes_a_plan_and_the_trail_names_who_made_it(world):
    plan = _city_plan(world)
    assert (plan.unit, plan.version, plan.active, plan.adopted_from) == (world.city, 1, True, None)
    assert plan.steps == STEPS
    entry = AuditEntry.objects.get(object_type="emergency.emergencyplan", object_id=str(plan.pk))
    assert entry.action == "create" and entry.unit_path == world.city.path


def test_the_city_keeps_several_active_plans_of_one_type(world):
    dormitory = _city_plan(world, "fire", "学生宿舍火灾应急预案")
    laboratory = _city_plan(world, "fire", "实验室火灾应急预案")
    canteen = _city_plan(world, "fire", "食堂火灾应急预案")
    assert all(
        p.active
        for p in EmergencyPlan.objects.filter(pk__in=[dormitory.pk, laboratory.pk, canteen.pk])
    )


@pytest.mark.parametrize(
    "persona, unit",
    [
        ("principal_a1", "city"),
        ("director_a1", "city"),
        ("district_a", "city"),
        ("guard_a1", "city"),
        ("auditor", "city"),
        ("district_a", "a1"),
        # Officers above read a school's plan but do not write it.
        ("city_officer", "a1"),
        ("city_admin", "a1"),
        ("principal_a1", "b1"),
        ("principal_c1", "a1"),
        ("staff_a1", "a1"),
    ],
)
def test_only_the_city_and_the_schools_own_leaders_write_its_plans(world, persona, unit):
    with pytest.raises(PermissionDenied):
        plan_create(
            user=world.users[persona],
            unit=getattr(world, unit) if unit == "city" else getattr(world, unit).unit,
            incident_type="fire",
            title="火灾应急预案",
            steps=STEPS,
        )
    assert not EmergencyPlan.objects.exists()


def test_a_school_writes_its_own_plan_which_becomes_its_plan_of_that_type(world):
    city = _city_plan(world, "fire", "教学楼火灾应急预案")
    own = plan_create(
        user=world.users["director_a1"],
        unit=world.a1.unit,
        incident_type="fire",
        title="甲区第一小学火灾应急预案",
        steps=STEPS,
    )
    assert plan_for(world.a1, "fire") == own
    assert plan_for(world.b1, "fire") == city


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"steps": []}, "请至少填写一个处置步骤"),
        (
            {"steps": [{"text": f"第{n}步"} for n in range(41)]},
            "处置步骤不能超过 40 步（现 41 步）",
        ),
        ({"steps": [STEPS[0], {"text": "  ", "role": "保安员"}]}, "第 2 步未填写内容"),
        ({"steps": [{"text": "报" * 301}]}, "第 1 步内容超过 300 字（现 301 字）"),
        ({"steps": [STEPS[0], {"text": "报警", "role": "人" * 51}]}, "第 2 步的责任人超过 50 字"),
        ({"steps": "拨打110"}, "处置步骤格式有误"),
        ({"title": "  "}, "请填写预案名称"),
        ({"title": "预" * 201}, "预案名称不能超过 200 字"),
        ({"incident_type": "alien"}, "事件类型无效"),
        ({"unit": "district_a"}, "应急预案由市级或学校制定"),
    ],
)
def test_a_bad_plan_gets_a_clear_message_and_changes_nothing(world, changes, message):
    fields = {"incident_type": "fire", "title": "火灾应急预案", "steps": STEPS, **changes}
    unit = getattr(world, fields.pop("unit", "city"))
    with pytest.raises(BusinessRuleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan_create(user=world.users["city_officer"], unit=unit, **fields)
    assert not EmergencyPlan.objects.exists()
    assert not AuditEntry.objects.filter(object_type="emergency.emergencyplan").exists()


def test_the_steps_are_stored_trimmed_and_300_characters_are_allowed(world):
    plan = _city_plan(world, steps=[{"text": "  报" + "警" * 299 + "\n", "role": " 保安员 "}])
    assert plan.steps == [{"text": "报" + "警" * 299, "role": "保安员"}]


def test_editing_makes_a_new_version_and_a_bad_edit_changes_nothing(world):
    plan = _city_plan(world)
    before = plan.updated_at
    edited = plan_update(
        user=world.users["city_officer"],
        plan=plan,
        title="校园不法侵害（持械闯入）事件应急预案",
        steps=[*STEPS, {"role": "心理教师", "text": "对受惊吓学生进行心理疏导"}],
    )
    assert (edited.version, len(edited.steps)) == (2, 4)
    assert edited.updated_at > before
    same = plan_update(user=world.users["city_officer"], plan=edited, title=edited.title)
    assert same.version == 2  # nothing changed, no new version
    with pytest.raises(BusinessRuleError, match="第 1 步未填写内容"):
        plan_update(user=world.users["city_officer"], plan=edited, title="新名称", steps=[{}])
    plan.refresh_from_db()
    assert (plan.title, plan.version, len(plan.steps)) == (
        "校园不法侵害（持械闯入）事件应急预案",
        2,
        4,
    )
    update = AuditEntry.objects.get(object_type="emergency.emergencyplan", action="update")
    assert update.after["version"] == 2 and "steps" in update.after
    with pytest.raises(PermissionDenied):
        plan_update(user=world.users["principal_a1"], plan=plan, title="改")


def test_a_school_adopts_a_city_plan_and_adapts_its_copy_alone(world):
    city = _city_plan(world)
    copy = _copy(world, city)
    assert (copy.unit, copy.adopted_from, copy.version, copy.steps) == (
        world.a1.unit,
        city,
        1,
        city.steps,
    )
    assert plan_for(world.a1, "intrusion") == copy
    plan_update(
        user=world.users["director_a1"],
        plan=copy,
        steps=[*STEPS, {"role": "安全办主任", "text": "本校集合点：操场北侧"}],
    )
    city.refresh_from_db()
    assert (city.version, len(city.steps)) == (1, 3)
    with pytest.raises(BusinessRuleError, match="本校已采用该预案"):
        _copy(world, city, user="director_a1")
    with pytest.raises(BusinessRuleError, match="只能采用市级发布的预案"):
        _copy(world, copy)
    assert EmergencyPlan.objects.filter(unit=world.a1.unit).count() == 1


@pytest.mark.parametrize(
    "persona, school",
    [("principal_a1", "b1"), ("city_officer", "a1"), ("district_a", "a1"), ("guard_a1", "a1")],
)
def test_only_the_schools_leaders_adopt_for_it(world, persona, school):
    city = _city_plan(world)
    with pytest.raises(PermissionDenied):
        _copy(world, city, school=getattr(world, school), user=persona)
    assert EmergencyPlan.objects.count() == 1


def test_adopting_a_second_plan_of_a_type_retires_the_first_copy(world):
    dormitory = _city_plan(world, "fire", "学生宿舍火灾应急预案")
    canteen = _city_plan(world, "fire", "食堂火灾应急预案")
    first = _copy(world, dormitory)
    second = _copy(world, canteen)
    first.refresh_from_db()
    assert (first.active, second.active) == (False, True)
    assert plan_for(world.a1, "fire") == second
    # Re-activating the first copy retires the second, in one step.
    plan_activate(user=world.users["principal_a1"], plan=first)
    second.refresh_from_db()
    assert (second.active, plan_for(world.a1, "fire")) == (False, first)
    assert EmergencyPlan.objects.filter(unit=world.a1.unit, active=True).count() == 1


def test_a_deactivated_copy_leaves_the_school_to_the_city_plan(world):
    city = _city_plan(world)
    copy = _copy(world, city)
    plan_deactivate(user=world.users["principal_a1"], plan=copy)
    assert plan_for(world.a1, "intrusion") == city
    with pytest.raises(BusinessRuleError, match="该预案已停用"):
        plan_deactivate(user=world.users["principal_a1"], plan=copy)
    plan_deactivate(user=world.users["city_officer"], plan=city)
    assert plan_for(world.a1, "intrusion") is None
    with pytest.raises(BusinessRuleError, match="已停用，不能采用"):
        _copy(world, city, school=world.c1, user="principal_c1")
    with pytest.raises(BusinessRuleError, match="该预案已在用"):
        plan_activate(user=world.users["city_officer"], plan=_city_plan(world, title="另一预案"))
    with pytest.raises(PermissionDenied):
        plan_activate(user=world.users["city_officer"], plan=copy)


# --- pages -------------------------------------------------------------------------------------

# Who sees the A1 copy; everyone but the auditor sees the city's plans.
SEES_A1 = {
    "city_admin",
    "city_officer",
    "inspector",
    "district_a",
    "principal_a1",
    "director_a1",
    "staff_a1",
    "guard_a1",
    "counsellor_a1",
}
LEADS_A1 = {"principal_a1", "director_a1"}
CITY_WRITERS = {"city_admin", "city_officer"}


@pytest.fixture
def plans(world):
    city = _city_plan(world)
    copy = _copy(world, city)
    b1 = plan_create(
        user=_b1_principal(world),
        unit=world.b1.unit,
        incident_type="fire",
        title="乙区初级中学火灾应急预案",
        steps=STEPS,
    )
    return {"city": city, "copy": copy, "b1": b1}


def _b1_principal(world):
    from .factories import RoleAssignmentFactory, UserFactory

    user = UserFactory(username="principal_b1")
    RoleAssignmentFactory(user=user, unit=world.b1.unit, role="principal")
    world.users["principal_b1"] = user
    return user


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_the_list_page_shows_each_role_the_plans_in_its_scope(plans, as_user, persona):
    response = as_user(persona).get(reverse("emergency:plan_list"))
    if persona in ("auditor", "security_admin"):  # no business action
        assert response.status_code == 403
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert "校园不法侵害事件应急预案" in page
    assert ("甲区第一小学" in page) == (persona in SEES_A1)
    assert ("乙区初级中学火灾应急预案" in page) == (
        persona in {"city_admin", "city_officer", "inspector", "district_b", "teacher_b1"}
    )
    assert ("新建预案" in page) == (persona in CITY_WRITERS | LEADS_A1 | {"principal_c1"})


def test_the_list_page_filters_by_type_level_district_and_school(plans, world, as_user):
    client = as_user("city_officer")
    url = reverse("emergency:plan_list")

    def titles(**query):
        page = client.get(url, query)
        assert page.status_code == 200
        return {p.title for p in page.context["page"]}

    assert titles() == {"校园不法侵害事件应急预案", "乙区初级中学火灾应急预案"}
    assert len(client.get(url).context["page"].object_list) == 3
    assert titles(incident_type="fire") == {"乙区初级中学火灾应急预案"}
    assert [p.unit for p in client.get(url, {"level": "city"}).context["page"]] == [world.city]
    assert {p.unit for p in client.get(url, {"level": "school"}).context["page"]} == {
        world.a1.unit,
        world.b1.unit,
    }
    assert [p.pk for p in client.get(url, {"district": world.district_a.pk}).context["page"]] == [
        plans["copy"].pk
    ]
    assert [p.pk for p in client.get(url, {"school": world.b1.pk}).context["page"]] == [
        plans["b1"].pk
    ]
    assert [p.pk for p in client.get(url, {"source": plans["city"].pk}).context["page"]] == [
        plans["copy"].pk
    ]
    assert not client.get(url, {"district": 0}).context["page"].object_list
    bad = client.get(url, {"incident_type": "alien"})  # ignored with a warning, not a 500
    assert bad.status_code == 200 and len(bad.context["page"].object_list) == 3


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_the_detail_page_answers_inside_scope_only(plans, as_user, persona):
    client = as_user(persona)
    copy = client.get(reverse("emergency:plan_detail", args=[plans["copy"].pk]))
    city = client.get(reverse("emergency:plan_detail", args=[plans["city"].pk]))
    if persona in ("auditor", "security_admin"):  # no business action
        assert (copy.status_code, city.status_code) == (404, 404)
        return
    assert city.status_code == 200
    assert copy.status_code == (200 if persona in SEES_A1 else 404)
    page = city.content.decode()
    assert ('data-testid="plan-edit"' in page) == (persona in CITY_WRITERS)
    assert ("采用为本校预案" in page) == (persona == "principal_c1")
    assert ("本校已采用该预案" in page) == (persona in LEADS_A1)
    if copy.status_code == 200:
        page = copy.content.decode()
        assert ('data-testid="plan-edit"' in page) == (persona in LEADS_A1)
        assert 'data-testid="plan-source"' in page


def test_the_detail_page_shows_the_steps_as_a_numbered_checklist_with_source_and_copies(
    plans, as_user
):
    page = (
        as_user("district_a")
        .get(reverse("emergency:plan_detail", args=[plans["city"].pk]))
        .content.decode()
    )
    steps = page.split('data-testid="plan-steps"')[1].split("</ol>")[0]
    assert steps.count("<li") == 3
    assert (
        steps.index("立即按下一键式紧急报警按钮") < steps.index("持钢叉") < steps.index("清点人数")
    )
    assert ">1</span>" in steps and ">3</span>" in steps and "保安员" in steps
    copies = page.split('data-testid="plan-copies"')[1]
    assert "甲区第一小学" in copies and "1 所" in copies
    copy = (
        as_user("principal_a1")
        .get(reverse("emergency:plan_detail", args=[plans["copy"].pk]))
        .content.decode()
    )
    assert "校园不法侵害事件应急预案" in copy and "v1" in copy


def test_a_city_officer_publishes_a_plan_from_the_page_with_its_steps_in_order(world, as_user):
    client = as_user("city_officer")
    url = reverse("emergency:plan_create")
    form = client.get(url, {"type": "fire"})
    assert form.status_code == 200 and form.context["form"]["incident_type"].value() == "fire"
    rows = [*STEPS[:1], {"role": "", "text": ""}, *STEPS[1:]]  # a blank row is dropped
    response = client.post(url, _form(unit=world.city.pk, incident_type="fire", steps=rows))
    plan = EmergencyPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("emergency:plan_detail", args=[plan.pk])
    assert (plan.unit, plan.incident_type, plan.steps) == (world.city, "fire", STEPS)
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="plan-author">city_officer<' in detail


def test_a_bad_form_keeps_the_rows_shows_the_error_and_changes_nothing(world, as_user):
    client = as_user("city_officer")
    url = reverse("emergency:plan_create")
    long = [STEPS[0], {"role": "保安员", "text": "阻" * 301}]
    response = client.post(url, _form(unit=world.city.pk, incident_type="fire", steps=long))
    assert response.status_code == 200
    assert "第 2 步内容超过 300 字" in response.content.decode()
    assert response.context["rows"] == long  # what the user typed comes back
    empty = client.post(url, _form(unit=world.city.pk, incident_type="fire", steps=[]))
    assert "请至少填写一个处置步骤" in empty.content.decode()
    # A principal cannot pick the city as the unit of a plan.
    principal = as_user("principal_a1").post(url, _form(unit=world.city.pk, incident_type="fire"))
    assert principal.status_code == 200 and "unit" in principal.context["form"].errors
    assert not EmergencyPlan.objects.exists()


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_who_may_open_the_create_page(world, as_user, persona):
    response = as_user(persona).get(reverse("emergency:plan_create"))
    assert response.status_code == (
        200 if persona in CITY_WRITERS | LEADS_A1 | {"principal_c1"} else 403
    )
    if response.status_code == 200:
        units = [v for v, _label in response.context["form"].fields["unit"].choices]
        own = {"principal_a1": world.a1, "director_a1": world.a1, "principal_c1": world.c1}
        assert units == [own[persona].pk if persona in own else world.city.pk]


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_who_may_edit_the_school_copy_from_the_page(plans, as_user, persona):
    client = as_user(persona)
    url = reverse("emergency:plan_edit", args=[plans["copy"].pk])
    response = client.get(url)
    expected = 200 if persona in LEADS_A1 else 403 if persona in SEES_A1 else 404
    assert response.status_code == expected
    posted = client.post(url, _form(title="本校不法侵害处置预案"))
    assert posted.status_code == (302 if persona in LEADS_A1 else expected)
    copy = EmergencyPlan.objects.get(pk=plans["copy"].pk)
    assert copy.version == (2 if persona in LEADS_A1 else 1)


def test_the_edit_page_saves_a_new_version_and_leaves_the_city_plan_alone(plans, as_user):
    client = as_user("director_a1")
    url = reverse("emergency:plan_edit", args=[plans["copy"].pk])
    rows = [{"role": "保安员", "text": "持钢叉阻隔"}, *STEPS]
    response = client.post(url, _form(title="本校不法侵害处置预案", steps=rows))
    assert response.status_code == 302
    copy = EmergencyPlan.objects.get(pk=plans["copy"].pk)
    assert (copy.title, copy.version, copy.steps[0]["text"]) == (
        "本校不法侵害处置预案",
        2,
        "持钢叉阻隔",
    )
    assert EmergencyPlan.objects.get(pk=plans["city"].pk).steps == STEPS
    again = client.post(url, _form(title="本校不法侵害处置预案", steps=rows))
    assert again.status_code == 302
    assert EmergencyPlan.objects.get(pk=plans["copy"].pk).version == 2  # no change, no version
    assert client.get(url).context["rows"] == rows
    page = client.get(reverse("emergency:plan_detail", args=[copy.pk])).content.decode()
    assert "修订为第 2 版" in page and "v2" in page
    # City plans are edited by the city only.
    assert client.get(reverse("emergency:plan_edit", args=[plans["city"].pk])).status_code == 403


def test_a_copy_tells_its_school_when_the_city_revised_the_plan_since(plans, world, as_user):
    client = as_user("principal_a1")
    url = reverse("emergency:plan_detail", args=[plans["copy"].pk])
    assert 'data-testid="source-revised"' not in client.get(url).content.decode()
    plan_update(user=world.users["city_officer"], plan=plans["city"], summary="新增校门口情形")
    assert "现为 v2" in client.get(url).content.decode()
    plan_update(user=world.users["principal_a1"], plan=plans["copy"], summary="新增校门口情形")
    assert 'data-testid="source-revised"' not in client.get(url).content.decode()


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_who_may_adopt_a_city_plan_from_the_page(plans, world, as_user, persona):
    fire = _city_plan(world, "fire", "教学楼火灾应急预案")
    response = as_user(persona).post(reverse("emergency:plan_adopt", args=[fire.pk]))
    copies = EmergencyPlan.objects.filter(adopted_from=fire)
    if persona in LEADS_A1 | {"principal_c1"}:
        assert response.status_code == 302
        copy = copies.get()
        assert response["Location"] == reverse("emergency:plan_detail", args=[copy.pk])
        assert copy.unit == (world.c1.unit if persona == "principal_c1" else world.a1.unit)
    else:
        assert response.status_code == (404 if persona in ("auditor", "security_admin") else 403)
        assert not copies.exists()


def test_adopting_on_the_page_names_the_copy_it_replaces(plans, world, as_user):
    client = as_user("principal_a1")
    own = plan_create(
        user=world.users["principal_a1"],
        unit=world.a1.unit,
        incident_type="fire",
        title="本校自订火灾预案",
        steps=STEPS,
    )
    fire = _city_plan(world, "fire", "教学楼火灾应急预案")
    detail = client.get(reverse("emergency:plan_detail", args=[fire.pk])).content.decode()
    assert "本校现行的同类预案“本校自订火灾预案”将被停用" in detail
    response = client.post(reverse("emergency:plan_adopt", args=[fire.pk]), follow=True)
    assert "原“本校自订火灾预案”已停用" in response.content.decode()
    own.refresh_from_db()
    assert not own.active
    # Another school's id in the form is not the principal's to choose.
    other = client.post(reverse("emergency:plan_adopt", args=[fire.pk]), {"school": world.c1.pk})
    assert other.status_code == 404
    # Twice is refused in words.
    twice = client.post(reverse("emergency:plan_adopt", args=[fire.pk]), follow=True)
    assert "本校已采用该预案" in twice.content.decode()
    assert EmergencyPlan.objects.filter(adopted_from=fire).count() == 1


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_who_may_deactivate_the_school_copy_from_the_page(plans, as_user, persona):
    url = reverse("emergency:plan_active", args=[plans["copy"].pk])
    response = as_user(persona).post(url, {"active": "0"})
    active = EmergencyPlan.objects.get(pk=plans["copy"].pk).active
    if persona in LEADS_A1:
        assert response.status_code == 302 and not active
        again = as_user(persona).post(url, {"active": "1"})
        assert again.status_code == 302
        assert EmergencyPlan.objects.get(pk=plans["copy"].pk).active
    else:
        assert response.status_code == (403 if persona in SEES_A1 else 404)
        assert active


def test_the_pages_run_a_fixed_number_of_queries(plans, world, as_user):
    client = as_user("city_officer")
    urls = [
        reverse("emergency:plan_list"),
        reverse("emergency:plan_detail", args=[plans["city"].pk]),
        "/api/v1/emergency/plans?limit=100",
    ]

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for url in urls:
        count(url)  # warm the caches
    before = {url: count(url) for url in urls}
    for school in (world.a2, world.b1, world.c1):
        _copy(world, plans["city"], school=school, user=_leader(world, school))
    for url in urls:
        count(url)  # new role assignments: the grants are read afresh once
    assert {url: count(url) for url in urls} == before


def _leader(world, school) -> str:
    from .factories import RoleAssignmentFactory, UserFactory

    name = f"leader_{school.unit.code}"
    user = UserFactory(username=name)
    RoleAssignmentFactory(user=user, unit=school.unit, role="safety_director")
    world.users[name] = user
    return name


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_the_api_lists_the_plans_in_scope(plans, as_user, persona):
    response = as_user(persona).get("/api/v1/emergency/plans?limit=100")
    if persona in ("auditor", "security_admin"):  # no business action
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        return
    body = response.json()
    ids = {p["id"] for p in body["items"]}
    expected = {plans["city"].pk}
    if persona in SEES_A1:
        expected.add(plans["copy"].pk)
    if persona in {"city_admin", "city_officer", "inspector", "district_b", "teacher_b1"}:
        expected.add(plans["b1"].pk)
    assert ids == expected and body["count"] == len(expected)
    detail = as_user(persona).get(f"/api/v1/emergency/plans/{plans['copy'].pk}")
    assert detail.status_code == (200 if persona in SEES_A1 else 404)


def test_the_api_filters_and_describes_a_plan(plans, world, as_user):
    client = as_user("city_officer")
    items = client.get(
        f"/api/v1/emergency/plans?level=school&district={world.district_a.pk}"
    ).json()
    assert [p["id"] for p in items["items"]] == [plans["copy"].pk]
    assert items["items"][0]["level"] == "school" and items["items"][0]["step_count"] == 3
    by_type = client.get("/api/v1/emergency/plans?incident_type=fire").json()["items"]
    assert [p["id"] for p in by_type] == [plans["b1"].pk]
    city = client.get(f"/api/v1/emergency/plans/{plans['city'].pk}").json()
    assert city["level"] == "city" and city["copy_count"] == 1
    assert city["steps"] == STEPS and city["incident_type_label"] == "不法侵害/暴力事件"
    copy = client.get(f"/api/v1/emergency/plans/{plans['copy'].pk}").json()
    assert copy["adopted_from_id"] == plans["city"].pk
    assert copy["adopted_from_title"] == "校园不法侵害事件应急预案"
    assert client.get("/api/v1/emergency/plans?level=province").status_code == 422


BODY = {"incident_type": "fire", "title": "教学楼火灾应急预案", "summary": "", "steps": STEPS}


@pytest.mark.parametrize(
    "persona, unit, status",
    [
        ("city_officer", "city", 201),
        ("city_admin", "city", 201),
        ("principal_a1", "a1", 201),
        ("director_a1", "a1", 201),
        ("principal_a1", "city", 404),
        ("principal_c1", "a1", 404),
        ("city_officer", "a1", 403),
        ("district_a", "a1", 403),
        ("district_a", "city", 403),
        ("guard_a1", "a1", 403),
        ("auditor", "city", 403),
    ],
)
def test_who_may_create_a_plan_through_the_api(world, as_user, persona, unit, status):
    unit = getattr(world, unit) if unit == "city" else getattr(world, unit).unit
    response = _post(as_user(persona), "/api/v1/emergency/plans", {**BODY, "unit_id": unit.pk})
    assert response.status_code == status, response.json()
    assert EmergencyPlan.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        body = response.json()
        assert (body["unit_id"], body["version"], body["steps"]) == (unit.pk, 1, STEPS)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"steps": []}, "请至少填写一个处置步骤"),
        ({"steps": [{"text": "报"}] * 41}, "处置步骤不能超过 40 步（现 41 步）"),
        ({"steps": [{"text": "报" * 301}]}, "第 1 步内容超过 300 字（现 301 字）"),
        ({"steps": [{"text": "报警", "role": "人" * 51}]}, "第 1 步的责任人超过 50 字"),
        ({"steps": [{"text": " "}]}, "第 1 步未填写内容"),
        ({"title": ""}, "请填写预案名称"),
    ],
)
def test_bad_api_input_gets_a_clear_message_and_changes_nothing(world, as_user, changes, message):
    response = _post(
        as_user("city_officer"),
        "/api/v1/emergency/plans",
        {**BODY, "unit_id": world.city.pk, **changes},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid", "message": message, "details": []}
    assert not EmergencyPlan.objects.exists()


def test_a_plan_unknown_type_or_unit_is_a_validation_error(world, as_user):
    client = as_user("city_officer")
    bad_type = _post(
        client, "/api/v1/emergency/plans", {**BODY, "incident_type": "x", "unit_id": world.city.pk}
    )
    no_unit = _post(client, "/api/v1/emergency/plans", {**BODY, "unit_id": 2**63})
    assert (bad_type.status_code, no_unit.status_code) == (422, 422)
    district = _post(client, "/api/v1/emergency/plans", {**BODY, "unit_id": world.district_a.pk})
    assert district.status_code == 400
    assert district.json()["error"]["message"] == "应急预案由市级或学校制定"
    assert not EmergencyPlan.objects.exists()


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_who_may_edit_a_school_copy_through_the_api(plans, as_user, persona):
    url = f"/api/v1/emergency/plans/{plans['copy'].pk}"
    response = _patch(as_user(persona), url, {"steps": [*STEPS, {"text": "本校集合点：操场"}]})
    if persona in LEADS_A1:
        assert response.status_code == 200
        assert (response.json()["version"], response.json()["step_count"]) == (2, 4)
    else:
        assert response.status_code == (403 if persona in SEES_A1 else 404)
        assert EmergencyPlan.objects.get(pk=plans["copy"].pk).version == 1


def test_the_api_edits_only_what_it_is_given_and_refuses_nulls(plans, as_user):
    client = as_user("city_officer")
    url = f"/api/v1/emergency/plans/{plans['city'].pk}"
    assert _patch(client, url, {"title": None}).status_code == 400
    body = _patch(client, url, {"summary": "适用于全市中小学"}).json()
    assert (body["summary"], body["title"], body["steps"], body["version"]) == (
        "适用于全市中小学",
        "校园不法侵害事件应急预案",
        STEPS,
        2,
    )
    bad = _patch(client, url, {"title": "新", "steps": [{"text": ""}]})
    assert bad.status_code == 400
    plan = EmergencyPlan.objects.get(pk=plans["city"].pk)
    assert (plan.title, plan.version) == ("校园不法侵害事件应急预案", 2)
    assert _patch(as_user("principal_a1"), url, {"title": "改"}).status_code == 403


@pytest.mark.parametrize(
    "persona, school, status",
    [
        ("principal_a1", "a1", 201),
        ("director_a1", "a1", 201),
        ("principal_c1", "c1", 201),
        ("principal_c1", "a1", 404),
        ("principal_a1", "b1", 404),
        ("city_officer", "a1", 403),
        ("district_a", "a1", 403),
        ("guard_a1", "a1", 403),
        ("auditor", "a1", 404),
    ],
)
def test_who_may_adopt_through_the_api(world, as_user, persona, school, status):
    fire = _city_plan(world, "fire", "教学楼火灾应急预案")
    school = getattr(world, school)
    response = _post(
        as_user(persona), f"/api/v1/emergency/plans/{fire.pk}/adopt", {"school": school.pk}
    )
    assert response.status_code == status, response.json()
    copies = EmergencyPlan.objects.filter(adopted_from=fire)
    if status == 201:
        body = response.json()
        assert (body["unit_id"], body["adopted_from_id"], body["steps"]) == (
            school.pk,
            fire.pk,
            STEPS,
        )
        assert copies.get().unit_id == school.pk
    else:
        assert not copies.exists()


def test_adopting_through_the_api_retires_the_previous_copy_and_refuses_twice(
    plans, world, as_user
):
    client = as_user("principal_a1")
    other = _city_plan(world, "intrusion", "校门口车辆冲撞事件应急预案")
    response = _post(client, f"/api/v1/emergency/plans/{other.pk}/adopt", {"school": world.a1.pk})
    assert response.status_code == 201
    old = client.get(f"/api/v1/emergency/plans/{plans['copy'].pk}").json()
    assert old["active"] is False
    twice = _post(client, f"/api/v1/emergency/plans/{other.pk}/adopt", {"school": world.a1.pk})
    assert twice.status_code == 400 and twice.json()["error"]["message"] == "本校已采用该预案"
    of_a_copy = _post(
        client, f"/api/v1/emergency/plans/{plans['copy'].pk}/adopt", {"school": world.a1.pk}
    )
    assert of_a_copy.json()["error"]["message"] == "只能采用市级发布的预案"


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_who_may_deactivate_and_activate_through_the_api(plans, as_user, persona):
    client = as_user(persona)
    base = f"/api/v1/emergency/plans/{plans['copy'].pk}"
    response = client.post(f"{base}/deactivate")
    if persona in LEADS_A1:
        assert response.status_code == 200 and response.json()["active"] is False
        again = client.post(f"{base}/deactivate")
        assert again.status_code == 400 and again.json()["error"]["message"] == "该预案已停用"
        assert client.post(f"{base}/activate").json()["active"] is True
    else:
        assert response.status_code == (403 if persona in SEES_A1 else 404)
        assert EmergencyPlan.objects.get(pk=plans["copy"].pk).active


def test_the_plan_api_appears_in_the_openapi_schema(as_user):
    paths = as_user("city_officer").get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/emergency/plans"]) == {"get", "post"}
    assert set(paths["/api/v1/emergency/plans/{plan_id}"]) == {"get", "patch"}
    for action in ("adopt", "deactivate", "activate"):
        assert "post" in paths[f"/api/v1/emergency/plans/{{plan_id}}/{action}"]
    listed = paths["/api/v1/emergency/plans"]["get"]
    assert {"incident_type", "level", "district", "school", "limit", "offset"} <= {
        p["name"] for p in listed["parameters"]
    }


# --- fuzzing: generated requests to these endpoints never get a server error ---------------------


@pytest.fixture
def principal_api_schema(db, world):
    """The OpenAPI schema driving the WSGI app as A1's principal, who may write and adopt."""
    from .factories import api_token
    from .fuzzing import wsgi_schema

    _copy(world, _city_plan(world))
    token = api_token(world.users["principal_a1"])
    with wsgi_schema() as schema:
        schema.token = token
        yield schema


def _fuzz():
    import schemathesis
    from schemathesis.checks import not_a_server_error

    from .fuzzing import FUZZ

    schema = schemathesis.from_pytest_fixture("principal_api_schema")

    @schema.include(path_regex=r"^/api/v1/emergency/plans").parametrize()
    @FUZZ
    def test_the_plan_endpoints_never_answer_a_server_error(case, principal_api_schema):
        headers = {"Authorization": f"Bearer {principal_api_schema.token}"}
        response = case.call_wsgi(headers=headers)
        case.validate_response(response, checks=(not_a_server_error,))

    return test_the_plan_endpoints_never_answer_a_server_error


test_the_plan_endpoints_never_answer_a_server_error = _fuzz()


# --- demo ---------------------------------------------------------------------------------------


def test_the_demo_publishes_50_city_plans_and_each_school_adopts_one_per_type(world):
    counts = emergency_plans_of(
        city=world.city, rng=random.Random(2021), today=timezone.localdate()
    )
    city = EmergencyPlan.objects.filter(unit=world.city)
    assert city.count() == counts["plans"] == 50
    assert set(city.values_list("incident_type", flat=True)) == {
        "intrusion", "fire", "earthquake", "medical", "food_poisoning", "stampede",
        "traffic", "drowning", "bullying", "natural_disaster", "public_health", "other",
    }  # fmt: skip
    assert city.filter(incident_type="fire").count() > 1
    assert all(
        5 <= len(p.steps) <= 10 and all(s["text"] and s["role"] for s in p.steps) for p in city
    )
    # 12 types at the primary, junior and senior school; no drowning plan at the kindergarten.
    assert counts["copies"] == 12 + 11 + 12 + 12
    copies = EmergencyPlan.objects.filter(adopted_from__isnull=False)
    assert copies.count() == counts["copies"] and all(c.active for c in copies)
    assert not copies.filter(unit=world.a2.unit, incident_type="drowning").exists()
    for school in (world.a1, world.a2, world.b1, world.c1):
        types = list(copies.filter(unit=school.unit).values_list("incident_type", flat=True))
        assert len(types) == len(set(types))  # one active plan per type
        assert plan_for(school, "fire").unit == school.unit
    # The boarding school follows the dormitory fire plan; the others the first fire plan.
    assert plan_for(world.c1, "fire").title == "学生宿舍火灾事故应急预案"
    assert plan_for(world.a1, "fire").title == "教学楼火灾事故应急预案"
    for copy in copies.select_related("adopted_from"):
        assert copy.steps[: len(copy.adopted_from.steps)] == copy.adopted_from.steps
        assert copy.version == (1 if copy.steps == copy.adopted_from.steps else 2)
