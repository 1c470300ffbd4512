import time

import pytest

from .conftest import PHONE

pytestmark = pytest.mark.browser


def test_probe_dbl(page, demo_db):
    pg = page("t3706020001", viewport=PHONE)
    posts = []
    pg.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    pg.goto("/hazards/new/")
    pg.fill("#id_description", "dbl")
    with pg.expect_navigation():
        pg.get_by_role("button", name="上报", exact=True).dblclick()
    print("DBL posts", posts, pg.url, demo_db.rows("select id, client_key from hazards_hazard where description='dbl'"))


def test_probe_held(page, demo_db):
    pg = page("t3706020001", viewport=PHONE)
    pg.goto("/hazards/new/")
    pg.fill("#id_description", "held")
    held = []

    def hold(route):
        if route.request.method == "POST" and not held:
            held.append((route, route.fetch(max_redirects=0)))
            return
        route.fallback()

    pg.route("**/hazards/new/", hold)
    button = pg.get_by_role("button", name="上报", exact=True)
    button.click(no_wait_after=True)
    t = time.monotonic()
    while not held:
        pg.wait_for_timeout(50)
    print("held after", time.monotonic() - t, held[0][1].status, held[0][1].headers.get("location"), pg.url)
    with pg.expect_navigation():
        pg.evaluate("document.querySelector('form.card button[type=submit]').click()")
    print("now", pg.url, demo_db.rows("select id, client_key from hazards_hazard where description='held'"))
    pg.unroute("**/hazards/new/")
