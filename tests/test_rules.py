"""Rule sets: shipped defaults, copies an administrator adapts, and which applies where."""

import json

import pytest

from safecampus.audit.models import AuditEntry
from safecampus.risks.rule_kinds import RiskMatrix
from safecampus.rules.kinds import kinds
from safecampus.rules.models import RuleSet, RuleSetAssignment
from safecampus.rules.selectors import effective_rule_set

from .conftest import PERSONAS


def _default(kind):
    return RuleSet.objects.get(kind=kind, is_default=True)


def _copy(client, source, **overrides):
    body = {
        "unit_id": overrides.pop("unit_id"),
        "name": "测试市风险矩阵",
        "version": "2026.2",
        "effective_from": "2026-12-01",
        "authority": "测试市教育局",
        "data": source.data,
        **overrides,
    }
    return client.post(f"/api/v1/rule-sets/{source.pk}/copy", body, content_type="application/json")


def test_the_shipped_rule_sets_are_there_after_migrate(db):
    for kind in kinds():
        default = _default(kind)
        assert default.builtin and default.unit is None
    matrix = RiskMatrix.model_validate(_default("risk_matrix").data)
    assert (
        matrix.level(5, 5) == "major"
        and matrix.level(1, 1) == "low"
        and matrix.level(3, 3) == "significant"
    )


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_everyone_reads_the_rules_that_govern_them(world, as_user, persona):
    client = as_user(persona)
    listing = client.get("/api/v1/rule-sets")
    page = client.get("/rules/")
    if persona in ("auditor", "security_admin"):  # no business action
        assert listing.status_code == 403 and page.status_code == 403
        return
    assert {r["kind"] for r in listing.json()["items"]} == set(kinds())
    assert page.status_code == 200
    detail = client.get(f"/rules/{_default('risk_matrix').pk}/")
    assert detail.status_code == 200 and "几乎肯定" in detail.content.decode()


def test_a_copy_assigned_to_a_district_governs_its_schools_only(world, as_user):
    admin = as_user("city_admin")
    source = _default("hazard_deadline")
    data = {**source.data, "general_days": 15}
    created = _copy(admin, source, unit_id=world.city.pk, name="测试市隐患整改期限", data=data)
    assert created.status_code == 201
    copy = RuleSet.objects.get(pk=created.json()["id"])
    assert copy.unit == world.city and copy.data["general_days"] == 15 and not copy.builtin
    assigned = admin.post(
        "/api/v1/rule-set-assignments",
        {"unit_id": world.district_a.pk, "rule_set_id": copy.pk},
        content_type="application/json",
    )
    assert assigned.status_code == 201
    a1 = effective_rule_set("hazard_deadline", world.a1.unit)
    assert a1.rule_set == copy and a1.rules.general_days == 15 and "甲区选用" in a1.explain()
    b1 = effective_rule_set("hazard_deadline", world.b1.unit)
    assert b1.rule_set == source and "平台默认" in b1.explain()
    api = (
        as_user("principal_a1")
        .get(f"/api/v1/rule-sets/effective?kind=hazard_deadline&unit_id={world.a1.pk}")
        .json()
    )
    assert api["rule_set"]["id"] == copy.pk and api["chosen_at_unit_id"] == world.district_a.pk
    assert AuditEntry.objects.filter(
        action="create", object_type="rules.rulesetassignment", username="city_admin"
    ).exists()
    # Withdrawing the choice brings the default back.
    assert admin.delete(f"/api/v1/rule-set-assignments/{assigned.json()['id']}").status_code == 204
    assert effective_rule_set("hazard_deadline", world.a1.unit).rule_set == source


def test_bad_rule_content_is_refused_with_the_reason(world, as_user):
    admin = as_user("city_admin")
    source = _default("risk_matrix")
    broken = {**source.data, "matrix": [["major", "huge"]]}
    response = _copy(admin, source, unit_id=world.city.pk, data=broken)
    assert response.status_code == 400 and "规则内容有误" in response.json()["error"]["message"]
    page = admin.post(
        f"/rules/{source.pk}/copy/",
        {
            "unit": world.city.pk,
            "name": "x",
            "version": "1",
            "effective_from": "2026-12-01",
            "authority": "x",
            "data": "{not json",
        },
    )
    assert "不是有效的 JSON" in page.content.decode()
    assert not RuleSet.objects.filter(builtin=False).exists()


def test_only_the_city_administrator_configures_rules(world, as_user):
    source = _default("patrol")
    # Copying to the city: 403 where the city is in org.view scope, 404 below it; choosing
    # for school A1, which all three see: 403.
    for persona, status in (("city_officer", 403), ("district_a", 404), ("principal_a1", 404)):
        client = as_user(persona)
        assert _copy(client, source, unit_id=world.city.pk).status_code == status, persona
        assert client.get(f"/rules/{source.pk}/copy/").status_code == 403
        assigned = client.post(
            "/api/v1/rule-set-assignments",
            {"unit_id": world.a1.unit_id, "rule_set_id": source.pk},
            content_type="application/json",
        )
        assert assigned.status_code == 403, persona
    assert not RuleSetAssignment.objects.exists()


def test_a_rule_set_published_elsewhere_cannot_be_chosen(world, as_user):
    admin = as_user("city_admin")
    local = RuleSet.objects.create(
        kind="patrol",
        name="乙区巡查",
        version="1",
        effective_from="2026-01-01",
        authority="乙区",
        data={"key_area_visits_per_day": 6},
        unit=world.district_b,
    )
    response = admin.post(
        "/api/v1/rule-set-assignments",
        {"unit_id": world.district_a.pk, "rule_set_id": local.pk},
        content_type="application/json",
    )
    assert response.status_code == 400 and "上级发布" in response.json()["error"]["message"]
    # District A cannot even see district B's rule set.
    assert as_user("district_a").get(f"/api/v1/rule-sets/{local.pk}").status_code == 404


def test_the_page_flow_copy_then_choose(world, as_user):
    admin = as_user("city_admin")
    source = _default("patrol")
    page = admin.get(f"/rules/{source.pk}/copy/")
    assert json.loads(page.context["form"].initial["data"]) == source.data
    response = admin.post(
        f"/rules/{source.pk}/copy/",
        {
            "unit": world.city.pk,
            "name": "测试市巡查",
            "version": "1",
            "effective_from": "2026-12-01",
            "authority": "测试市教育局",
            "data": json.dumps({"key_area_visits_per_day": 6}),
        },
    )
    copy = RuleSet.objects.get(name="测试市巡查")
    assert response.status_code == 302
    chosen = admin.post(f"/rules/{copy.pk}/", {"unit": world.b1.unit.code})
    assert chosen.status_code == 302
    assert effective_rule_set("patrol", world.b1.unit).rules.key_area_visits_per_day == 6
    unknown = admin.post(f"/rules/{copy.pk}/", {"unit": "NOPE"})
    assert "没有代码为“NOPE”" in unknown.content.decode()


def test_unknown_kinds_are_refused(world, as_user):
    client = as_user("city_officer")
    assert client.get("/api/v1/rule-sets?kind=weather").status_code == 400
    assert (
        client.get(f"/api/v1/rule-sets/effective?kind=weather&unit_id={world.city.pk}").status_code
        == 400
    )
