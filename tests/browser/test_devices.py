"""Monitoring interconnection in Chromium: a district officer opens the online-rate page, sees
the district's schools with their rates (refreshed live), drills down to a school and finds an
offline camera there.

Expected figures and records come from the server's SQLite file (`demo_db`), never from the ORM.
"""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DISTRICT = "370602"  # 芝罘区
OFFICER = "d370602"


def offline_camera(demo_db, district_code: str) -> dict:
    """A camera of the district not heard from for an hour (the demo has such cameras at demo
    start; more go offline as the demo data ages, none comes back without an ingestor)."""
    (row,) = demo_db.rows(
        "SELECT c.id, c.name, c.device_id, u.id, u.name FROM devices_camera c "
        "JOIN devices_devicestate s ON s.camera_id = c.id "
        "JOIN orgs_school sc ON sc.unit_id = c.school_id JOIN orgs_orgunit u ON u.id = sc.unit_id "
        "JOIN orgs_orgunit d ON d.id = sc.district_id "
        "WHERE d.code = ? AND c.active = 1 AND (s.last_seen_at IS NULL OR "
        "s.last_seen_at < datetime('now', '-1 hour')) ORDER BY u.code, c.id LIMIT 1",
        (district_code,),
    )
    return {
        "id": row[0],
        "name": row[1],
        "device_id": row[2],
        "school_id": row[3],
        "school": row[4],
    }


def test_a_district_officer_drills_from_the_online_rates_to_an_offline_camera(
    page, demo_db, screenshot_dir
):
    pg = page(OFFICER)
    pg.goto("/devices/")
    district = demo_db.unit(DISTRICT)
    expect(pg.locator("h2.page-title")).to_have_text(district["name"])
    cameras = demo_db.value(
        "SELECT COUNT(*) FROM devices_camera c JOIN orgs_school s ON s.unit_id = c.school_id "
        "JOIN orgs_orgunit d ON d.id = s.district_id WHERE d.code = ? AND c.active = 1",
        (DISTRICT,),
    )
    expect(pg.locator('[data-figure="cameras"]')).to_have_text(f"{cameras:,}")
    # One row per school with devices, each with its rate.
    schools = demo_db.value(
        "SELECT COUNT(DISTINCT c.school_id) FROM devices_camera c JOIN orgs_school s "
        "ON s.unit_id = c.school_id JOIN orgs_orgunit d ON d.id = s.district_id WHERE d.code = ?",
        (DISTRICT,),
    )
    expect(pg.locator('[data-testid="rate-table"] tbody tr')).to_have_count(schools)
    # The table is refreshed in place every few seconds.
    stamp = pg.locator('[data-testid="refreshed"]').inner_text()
    expect(pg.locator('[data-testid="refreshed"]')).not_to_have_text(stamp, timeout=8_000)
    pg.screenshot(path=str(screenshot_dir / "devices-district.png"), full_page=True)

    camera = offline_camera(demo_db, DISTRICT)
    row = pg.locator(f'[data-testid="rate-table"] tr:has(a:text-is("{camera["school"]}"))')
    row.locator("a").first.click()
    pg.wait_for_url(f"**/devices/schools/{camera['school_id']}/")
    expect(pg.locator("h2.page-title")).to_have_text(camera["school"])
    pg.select_option('[data-testid="status-filter"]', "offline")
    pg.wait_for_url("**status=offline**")
    # A school whose network is down may have more offline cameras than a page: search for it.
    pg.fill('input[name="q"]', camera["device_id"])
    with pg.expect_navigation():
        pg.press('input[name="q"]', "Enter")
    listed = pg.locator(f'[data-testid="camera-table"] tr[data-device="{camera["device_id"]}"]')
    expect(listed).to_be_visible()
    expect(listed.locator('[data-status="offline"]')).to_have_text("离线")
    expect(pg.locator('[data-testid="camera-table"] [data-status="online"]')).to_have_count(0)
    pg.screenshot(path=str(screenshot_dir / "devices-school-offline.png"), full_page=True)
    assert pg.js_errors == []
