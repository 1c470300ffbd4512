"""Emergency plans in Chromium: a principal, on a phone, adopts a city plan for the school (the
copy it replaces is retired), adapts it in the step editor — a step added, moved to the top,
another removed — and saves a second version; the district officer finds the copy under the
city plan and in the list filtered by school.

A school and an incident type no other browser test uses (牟平区, food poisoning), so the plans
other tests' incidents open are left alone. Expected records come from the server's SQLite file
(`demo_db`), never from the ORM.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE

pytestmark = pytest.mark.browser

DISTRICT = "370612"  # 牟平区
CITY_PLAN = "校外配餐食物中毒事件应急预案"
DEFAULT_PLAN = "学校食堂集体食物中毒事件应急预案"  # what every school adopted in the demo
PLAN_URL = re.compile(r"/emergency/plans/(\d+)/$")


def _school(demo_db) -> dict:
    ((pk, code, name),) = demo_db.rows(
        "SELECT u.id, u.code, u.name FROM orgs_school s JOIN orgs_orgunit u ON u.id = s.unit_id "
        "JOIN orgs_orgunit d ON d.id = s.district_id WHERE d.code = ? "
        "ORDER BY u.code LIMIT 1 OFFSET 1",
        (DISTRICT,),
    )
    return {"id": pk, "code": code, "name": name}


def _plans(demo_db, school_id: int) -> list[tuple]:
    return demo_db.rows(
        "SELECT id, title, active, version, steps FROM emergency_emergencyplan "
        "WHERE unit_id = ? AND incident_type = 'food_poisoning' ORDER BY id",
        (school_id,),
    )


def test_a_principal_adopts_and_adapts_a_city_plan_on_a_phone(page, demo_db, screenshot_dir):
    school = _school(demo_db)
    ((_id, title, active, _v, _s),) = _plans(demo_db, school["id"])
    assert (title, active) == (DEFAULT_PLAN, 1)

    principal = page(f"p{school['code']}", viewport=PHONE)
    principal.goto("/emergency/plans/?incident_type=food_poisoning&level=city")
    expect(principal.locator('[data-testid="plan-table"] tbody tr')).to_have_count(4)
    principal.get_by_role("link", name=CITY_PLAN).click()
    adopt = principal.get_by_test_id("plan-adopt")
    expect(adopt).to_contain_text(f"本校现行的同类预案“{DEFAULT_PLAN}”将被停用")
    adopt.get_by_role("button", name="采用为本校预案").click()
    expect(principal.locator(".alert-success")).to_contain_text(f"原“{DEFAULT_PLAN}”已停用")
    expect(principal).to_have_url(PLAN_URL)
    expect(principal.get_by_test_id("plan-source")).to_have_text(CITY_PLAN)
    copy_id = int(PLAN_URL.search(principal.url).group(1))

    # The step editor: add a step, move it to the top, remove the last one, save.
    principal.get_by_test_id("plan-edit").click()
    texts = principal.locator("textarea[name=step_text]")
    expect(texts.first).to_be_visible()  # the editor has loaded: count() does not wait
    count = texts.count()
    assert count >= 5
    last = texts.nth(count - 1).input_value()
    principal.get_by_test_id("step-add").click()
    expect(texts).to_have_count(count + 1)
    principal.locator("input[name=step_role]").nth(count).fill("后勤主任")
    texts.nth(count).fill("立即通知配餐企业停止配送，启用学校备用餐")
    for index in range(count, 0, -1):
        principal.get_by_role("button", name="上移").nth(index).click()
    principal.get_by_role("button", name="删除此步").nth(count).click()
    expect(texts).to_have_count(count)
    expect(texts.first).to_have_value("立即通知配餐企业停止配送，启用学校备用餐")
    principal.screenshot(path=screenshot_dir / "plan-editor-phone.png", full_page=True)
    principal.get_by_test_id("plan-save").click()
    expect(principal.locator(".alert-success")).to_contain_text("已保存为第 2 版")
    steps = principal.locator('[data-testid="plan-steps"] li')
    expect(steps).to_have_count(count)
    expect(steps.first).to_contain_text("立即通知配餐企业停止配送")
    expect(steps.first).to_contain_text("后勤主任")
    expect(principal.get_by_test_id("plan-version")).to_have_text("v2")
    assert principal.js_errors == []

    rows = {pk: (t, a, v, json.loads(s)) for pk, t, a, v, s in _plans(demo_db, school["id"])}
    title, active, version, saved = rows.pop(copy_id)
    assert (title, active, version, len(saved)) == (CITY_PLAN, 1, 2, count)
    assert saved[0] == {"text": "立即通知配餐企业停止配送，启用学校备用餐", "role": "后勤主任"}
    assert last not in [s["text"] for s in saved]
    assert [(t, a) for t, a, _v, _s in rows.values()] == [(DEFAULT_PLAN, 0)]

    # The district officer finds the copy under the city plan and by the school filter.
    officer = page(f"d{DISTRICT}")
    officer.goto(f"/emergency/plans/?school={school['id']}&incident_type=food_poisoning")
    table = officer.get_by_test_id("plan-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("已停用")
    officer.get_by_role("link", name=CITY_PLAN).first.click()
    expect(officer.get_by_test_id("plan-source")).to_have_text(CITY_PLAN)
    officer.get_by_test_id("plan-source").click()
    copies = demo_db.value(
        "SELECT COUNT(*) FROM emergency_emergencyplan p JOIN orgs_orgunit u ON u.id = p.unit_id "
        "WHERE p.adopted_from_id = (SELECT adopted_from_id FROM emergency_emergencyplan "
        "WHERE id = ?) AND substr(u.path, 1, length(?)) = ?",
        (copy_id, demo_db.unit(DISTRICT)["path"], demo_db.unit(DISTRICT)["path"]),
    )
    expect(officer.get_by_test_id("plan-copies")).to_contain_text(f"{copies} 所")
    expect(officer.get_by_test_id("plan-copies")).to_contain_text(school["name"])
    assert officer.js_errors == []
