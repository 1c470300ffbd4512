"""An unannounced spot check (四不两直) in Chromium: a district officer builds a checklist, plans
a spot check of the district's primary schools and draws one school by risk with the city's
inspector on the team; the school sees nothing of it; the inspector, on a phone, starts it,
records every item (a failed one with a photo), and submits; then the school sees the check and
the hazard with its photo.

Expected records come from the server's SQLite file (`demo_db`), never from the ORM.
"""

import io
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from .conftest import PHONE

pytestmark = pytest.mark.browser

DISTRICT = "370602"  # 芝罘区
OFFICER = "d370602"
INSPECTOR = "inspector"  # the city's inspector: sees every school of the city
POSITION = {"latitude": 37.5366, "longitude": 121.3914}


def photo_png() -> bytes:
    """A small phone-like photo: an extinguisher-red block on a wall."""
    image = Image.new("RGB", (640, 480), (225, 225, 215))
    ImageDraw.Draw(image).rectangle((260, 120, 380, 420), fill=(200, 20, 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def school_side_sees_nothing(pg, school_id: int, inspection_id: int, campaign: str) -> None:
    """The principal's pages — inspections, the school, the hazard ledger — and the check's
    own URL give nothing of a spot check that has not started."""
    for url in ("/inspections/", f"/schools/{school_id}/", "/hazards/"):
        response = pg.goto(url)
        assert response.status == 200, url
        assert campaign not in pg.content(), url
    assert pg.goto(f"/inspections/{inspection_id}/").status == 404
    assert pg.goto(f"/api/v1/inspections/{inspection_id}").status == 404


def test_a_secret_spot_check_is_planned_carried_out_on_a_phone_and_then_seen_by_the_school(
    page, demo_db, screenshot_dir
):
    tag = uuid.uuid4().hex[:6]
    district = demo_db.unit(DISTRICT)
    (catalog_id,) = demo_db.rows(
        "SELECT id FROM risks_riskcatalog WHERE \"group\" = 'k12' AND is_current = 1 "
        "ORDER BY id DESC LIMIT 1"
    )[0]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()

    # The district officer: a three-item checklist from the city's K-12 catalog ...
    officer = page(OFFICER)
    officer.goto("/inspections/")
    with officer.expect_navigation():
        officer.get_by_role("link", name="生成检查表").click()
    checklist = f"芝罘区抽查表 {tag}"
    officer.select_option("#id_unit", value=str(district["id"]))
    officer.select_option("#id_catalog", value=str(catalog_id))
    officer.fill("#id_name", checklist)
    officer.fill("#id_limit", "3")
    with officer.expect_navigation(url=re.compile(r"/inspections/$")):
        officer.get_by_role("button", name="保存").click()
    expect(officer.locator(".alert-success")).to_contain_text("检查表已生成")

    # ... a spot check of the district's primary schools ...
    campaign = f"芝罘区小学四不两直抽查 {tag}"
    officer.goto("/inspections/campaigns/new/")
    officer.select_option("#id_unit", value=str(district["id"]))
    officer.fill("#id_name", campaign)
    officer.select_option("#id_kind", value="spot")
    officer.fill("#id_starts_on", today.isoformat())
    officer.fill("#id_ends_on", (today + timedelta(days=14)).isoformat())
    officer.select_option("#id_template", label=checklist)
    officer.select_option("#id_school_types", value="primary")
    with officer.expect_navigation(url=re.compile(r"/inspections/campaigns/\d+/$")):
        officer.get_by_role("button", name="保存").click()
    expect(officer.locator(".alert-warning")).to_contain_text("四不两直")

    # ... and one school drawn by risk, with the city's inspector on the team.
    draw = officer.locator("form:has(input[name=form][value=select])")
    draw.locator("input[name=count]").fill("1")
    draw.locator("input[name=seed]").fill("20261129")
    draw.locator("label.form-check", has_text=f"（{INSPECTOR}）").locator("input").check()
    with officer.expect_navigation():
        draw.get_by_role("button", name="抽取").click()
    expect(officer.locator(".alert-success")).to_contain_text("已按风险加权抽取 1 所学校")
    ((inspection_id, school_id, school_code, school_name, school_type, reason),) = demo_db.rows(
        "SELECT i.id, u.id, u.code, u.name, s.school_type, i.selection_reason "
        "FROM inspections_inspection i JOIN inspections_campaign c ON c.id = i.campaign_id "
        "JOIN orgs_orgunit u ON u.id = i.school_id JOIN orgs_school s ON s.unit_id = u.id "
        "WHERE c.name = ?",
        (campaign,),
    )
    assert school_type == "primary" and school_code.startswith(DISTRICT) and "权重" in reason
    team = demo_db.rows(
        "SELECT u.username FROM inspections_inspection_team t "
        "JOIN accounts_user u ON u.id = t.user_id WHERE t.inspection_id = ?",
        (inspection_id,),
    )
    assert team == [(INSPECTOR,)]
    listed = officer.locator('[data-testid="campaign-inspections"] tbody tr')
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(school_name)
    expect(listed).to_contain_text("待检查")
    officer.screenshot(path=screenshot_dir / "spot-check-planned.png", full_page=True)

    # The school knows nothing of it.
    principal = page(f"p{school_code}")
    school_side_sees_nothing(principal, school_id, inspection_id, campaign)

    # The inspector, on a phone, on site (the browser gives the position).
    inspector = page(INSPECTOR, viewport=PHONE)
    inspector.context.grant_permissions(["geolocation"])
    inspector.context.set_geolocation(POSITION)
    inspector.goto("/inspections/")
    with inspector.expect_navigation():
        inspector.locator(
            f'[data-testid="open-inspections"] a[href="/inspections/{inspection_id}/"]'
        ).click()
    status = inspector.locator('[data-testid="inspection-status"]')
    expect(status).to_have_text("待检查")
    with inspector.expect_navigation():
        inspector.get_by_role("button", name="开始检查").click()
    expect(status).to_have_text("检查中")
    items = inspector.locator('[data-testid^="item-"]')
    expect(items).to_have_count(3)

    failed, not_applicable = items.nth(0), items.nth(1)
    failed.locator("label", has_text="不合格").click()
    failed.locator('input[name^="note-"]').fill("安全出口被课桌堵住，门上挂锁")
    picture = {"name": "exit.png", "mimeType": "image/png", "buffer": photo_png()}
    inspector.set_input_files('[data-testid="photo-input-1"]', files=[picture])
    photos = inspector.locator('[data-testid="photos-1"] [data-testid="photo"]')
    expect(photos).to_have_count(1)
    # The same photo sent again (a retry from a weak network) is kept once.
    with inspector.expect_response(re.compile(r"/photos/$")) as again:
        inspector.set_input_files('[data-testid="photo-input-1"]', files=[picture])
    assert again.value.status == 200
    expect(photos).to_have_count(1)
    image = photos.first.locator("img")
    expect(image).to_be_visible()
    # The photo loads (waited for: evaluating at once raced the image's own request).
    inspector.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
    not_applicable.locator("label", has_text="不适用").click()
    not_applicable.locator('input[name^="note-"]').fill("本校无此场所")
    inspector.get_by_test_id("rest-pass").click()  # the last item: 合格
    expect(items.nth(2).locator('input[value="pass"]')).to_be_checked()
    expect(failed.locator('input[value="fail"]')).to_be_checked()
    width = inspector.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"horizontal overflow: scrollWidth {width}"
    failed.screenshot(path=screenshot_dir / "spot-check-item-phone.png")
    with inspector.expect_navigation():
        inspector.get_by_role("button", name="提交检查结果").click()
    expect(status).to_have_text("已提交")
    results = inspector.locator('[data-testid^="result-"] [data-testid="outcome"]')
    expect(results).to_have_text(["不合格", "不适用", "合格"])
    first = inspector.locator('[data-testid="result-1"]')
    expect(first.locator('[data-testid="photo"]')).to_have_count(1)
    hazard_link = first.get_by_role("link", name=re.compile(r"隐患 #\d+"))
    hazard_id = int(re.search(r"#(\d+)", hazard_link.inner_text()).group(1))
    inspector.screenshot(path=screenshot_dir / "spot-check-submitted-phone.png", full_page=True)

    # The records: three results with time and position, one hazard with the photo's file.
    rows = demo_db.rows(
        "SELECT outcome, latitude, longitude, hazard_id FROM inspections_inspectionresult "
        "WHERE inspection_id = ? ORDER BY id",
        (inspection_id,),
    )
    assert [r[0] for r in rows] == ["fail", "na", "pass"]
    assert all(
        abs(float(lat) - POSITION["latitude"]) < 1e-4
        and abs(float(lon) - POSITION["longitude"]) < 1e-4
        for _o, lat, lon, _h in rows
    ), rows
    assert [r[3] for r in rows] == [hazard_id, None, None]
    ((photo_file,),) = demo_db.rows(
        "SELECT image FROM inspections_inspectionphoto WHERE inspection_id = ?", (inspection_id,)
    )
    assert demo_db.rows(
        "SELECT image, stage FROM hazards_hazardphoto WHERE hazard_id = ?", (hazard_id,)
    ) == [(photo_file, "found")]
    ((source, hazard_school, description),) = demo_db.rows(
        "SELECT source, school_id, description FROM hazards_hazard WHERE id = ?", (hazard_id,)
    )
    assert (source, hazard_school) == ("inspection", school_id)
    assert campaign in description and "安全出口被课桌堵住" in description

    # Now the school sees the check, its results and the hazard with its photo.
    principal.goto("/inspections/")
    expect(principal.locator("body")).to_contain_text(school_name)
    assert principal.goto(f"/inspections/{inspection_id}/").status == 200
    expect(principal.locator('[data-testid="inspection-status"]')).to_have_text("已提交")
    expect(principal.locator('[data-testid="result-1"] [data-testid="photo"]')).to_have_count(1)
    principal.goto("/hazards/")
    expect(principal.locator(f'a[href="/hazards/{hazard_id}/"]')).to_be_visible()
    principal.goto(f"/hazards/{hazard_id}/")
    shown = principal.locator('[data-testid="photos"] img')
    expect(shown).to_have_count(1)
    principal.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=shown.element_handle())
    principal.goto(f"/risks/schools/{school_id}/lists/?tab=rectification")
    row = principal.locator(f'tr:has(a[href="/hazards/{hazard_id}/"])')
    expect(row.locator('[data-testid="photo-count"]')).to_have_text("1 张照片")
    for pg in (officer, principal, inspector):
        assert pg.js_errors == []
