"""Run by tests/test_adding_an_app.py in a process of its own, with the throw-away app
installed (tests/throwaway/settings.py): what the app declared on its AppConfig reaches every
part of the platform. Not collected by the main run (the name does not start with test_)."""

from django.core.management import call_command
from django.test import Client

from safecampus.access.roles import permissions
from safecampus.access.scope import can
from safecampus.demo.generator import demo_city_generate
from safecampus.rules.models import RuleSet
from safecampus.rules.selectors import effective_rule_set

from . import demo


def test_the_system_checks_pass_with_the_app_installed(db):
    call_command("check", fail_level="ERROR")


def test_its_action_joins_the_permission_matrix(world):
    assert str(permissions()["duty.view"].label) == "查看值班签到"
    assert can(world.users["principal_a1"], "duty.view", world.a1.unit)
    assert not can(world.users["staff_a1"], "duty.view", world.a1.unit)


def test_its_menu_entry_shows_to_the_roles_that_hold_its_action(world, as_user):
    assert 'href="/throwaway/"' in as_user("principal_a1").get("/").content.decode()
    assert 'href="/throwaway/"' not in as_user("staff_a1").get("/").content.decode()
    assert as_user("principal_a1").get("/throwaway/").status_code == 200
    assert as_user("staff_a1").get("/throwaway/").status_code == 403


def test_its_page_about_a_school_is_linked_from_the_school(world, as_user):
    url = f"/throwaway/schools/{world.a1.pk}/"
    profile = as_user("district_a").get(f"/schools/{world.a1.pk}/").content.decode()
    assert f'href="{url}"' in profile
    page = as_user("district_a").get(url).content.decode()
    assert world.a1.unit.name in page and " 3<" in page  # the rule kind's shipped default


def test_its_rule_kind_ships_a_default_that_applies_everywhere(world, as_user):
    assert RuleSet.objects.filter(kind="duty_roster", builtin=True, is_default=True).count() == 1
    assert effective_rule_set("duty_roster", world.a1.unit).rules.shifts_per_day == 3
    kinds = {r["kind"] for r in as_user("city_admin").get("/api/v1/rule-sets").json()["items"]}
    assert "duty_roster" in kinds


def test_its_api_route_is_served_and_documented(world, as_user):
    assert as_user("district_a").get("/api/v1/throwaway/ping").json() == {"ok": True}
    assert as_user("staff_a1").get("/api/v1/throwaway/ping").status_code == 403
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/throwaway/ping" in schema["paths"]


def test_its_demo_builder_runs_in_its_order(db):
    result = demo_city_generate(scale=1, password="Demo-Pass-2026")
    labels = list(result.steps)
    assert labels.index("学校三个清单") < labels.index("值班签到") < labels.index("抽查与交叉检查")
    assert result.steps["值班签到"] == 14  # the first school of each of the 14 districts
    [seen] = demo.seen
    assert seen["cities"] == ["3706"] and seen["hazards"] == 0
    assert seen["risk_points"] == result.steps["学校三个清单"] > 0
