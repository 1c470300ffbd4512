"""Settings helpers, health check, CLI and the API's error shape."""

import json
import subprocess
import sys

from django.test import Client

from safecampus.core.env import env, env_bool, env_int, env_list


def test_env_reads_values_and_secret_files(tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n", encoding="utf-8")
    monkeypatch.setenv("SC_TEST_KEY_FILE", str(secret))
    monkeypatch.setenv("SC_TEST_FLAG", "yes")
    monkeypatch.setenv("SC_TEST_N", "42")
    monkeypatch.setenv("SC_TEST_LIST", "a, b,,c")
    assert env("SC_TEST_KEY") == "s3cret"
    assert env_bool("SC_TEST_FLAG") is True
    assert env_int("SC_TEST_N", 1) == 42
    assert env_int("SC_TEST_MISSING", 7) == 7
    assert env_list("SC_TEST_LIST", []) == ["a", "b", "c"]


def test_healthz_answers_when_the_database_does(db):
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_the_openapi_schema_documents_the_endpoints(db):
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/me",
        "/api/v1/schools",
        "/api/v1/schools/{school_id}",
        "/api/v1/auth/token",
        "/api/v1/audit/entries",
    ):
        assert path in paths
    listed = paths["/api/v1/schools"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert "items" in str(schema["components"]["schemas"]) and listed
    assert Client().get("/api/v1/docs").status_code == 200


def test_bad_query_values_get_the_error_shape(world, as_user):
    response = as_user("city_admin").get("/api/v1/schools?school_type=castle")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["details"][0]["loc"][-1] == "school_type"


def test_bad_patch_bodies_change_nothing(world, as_user):
    client = as_user("city_admin")
    # A value the schema refuses: 422; a broken business rule (more boarders than students, a
    # name taken in the district): 400.
    for body, status in (
        ({"students": -1}, 422),
        ({"school_type": "castle"}, 422),
        ({"name": ""}, 422),
        ({"boarders": 5000}, 400),
        ({"name": "甲区幼儿园"}, 400),
    ):
        response = client.patch(
            f"/api/v1/schools/{world.a1.pk}", body, content_type="application/json"
        )
        assert response.status_code == status, body
        assert "error" in response.json()
    world.a1.refresh_from_db()
    assert (world.a1.students, world.a1.boarders, world.a1.unit.name) == (600, 0, "甲区第一小学")


def test_the_edit_page_validates_in_chinese(world, as_user):
    client = as_user("principal_a1")
    response = client.post(
        f"/schools/{world.a1.pk}/edit/",
        {
            "name": "甲区第一小学",
            "school_type": "primary",
            "ownership": "public",
            "students": 100,
            "boarders": 200,
            "staff": 10,
        },
    )
    assert "寄宿生数不能大于学生数" in response.content.decode()
    ok = client.post(
        f"/schools/{world.a1.pk}/edit/",
        {
            "name": "甲区第一实验小学",
            "school_type": "primary",
            "ownership": "public",
            "students": 700,
            "boarders": 0,
            "staff": 50,
            "address": "人民路",
        },
    )
    assert ok.status_code == 302
    world.a1.refresh_from_db()
    assert world.a1.unit.name == "甲区第一实验小学" and world.a1.students == 700


def test_school_list_filters_search_and_pages(world, as_user):
    client = as_user("city_officer")
    body = client.get("/api/v1/schools?q=甲区").json()
    assert {s["code"] for s in body["items"]} == {"TA01", "TA02"}
    assert client.get("/api/v1/schools?district=0").json()["count"] == 1
    assert client.get("/api/v1/schools?boarding=true").json()["count"] == 1
    assert client.get("/api/v1/schools?limit=1&offset=1").json()["count"] == 4
    page = client.get("/schools/?school_type=junior").content.decode()
    assert "乙区初级中学" in page and "甲区第一小学" not in page
    partial = client.get("/schools/?school_type=junior", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "乙区初级中学" in partial
    assert "已忽略" in client.get("/schools/?school_type=castle", follow=True).content.decode()


def test_the_console_script_runs_django_commands():
    result = subprocess.run(
        [sys.executable, "-m", "safecampus", "help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for command in ("demo", "generate", "serve", "demo-logins"):
        assert command in result.stdout


def test_oversized_or_malformed_ids_are_404_not_server_errors(world, as_user):
    client = as_user("city_admin")
    for url in (
        "/schools/99999999999999999999/",
        "/?unit=99999999999999999999",
        "/?unit=abc",
        "/audit/99999999999999999999/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.get("/schools/?district=99999999999999999999&page=99999999999999999999").status_code
        == 200
    )


def test_null_characters_are_refused_before_any_query(world, as_user):
    client = as_user("city_admin")
    api = client.get("/api/v1/schools?q=a%00b")
    assert api.status_code == 400 and api.json()["error"]["code"] == "invalid"
    assert client.get("/schools/?q=a%00b").status_code == 400
    body = client.patch(
        f"/api/v1/schools/{world.a1.pk}",
        '{"address": "x\\u0000y"}',
        content_type="application/json",
    )
    assert body.status_code == 400
    world.a1.refresh_from_db()
    assert world.a1.address == ""


def test_a_cookie_that_decodes_to_a_null_character_is_refused(db, client):
    cookie = 'sessionid="a\\000b"'  # RFC 2109 quoting: \000 decodes to NUL
    assert client.get("/api/v1/me", HTTP_COOKIE=cookie).status_code == 400
    assert client.get("/", HTTP_COOKIE=cookie).status_code == 400


def test_control_characters_are_refused_naming_the_field_and_change_nothing(world, as_user):
    client = as_user("city_admin")
    url = f"/schools/{world.a1.pk}/edit/"
    form = {"name": "甲区\x1d第一小学", "school_type": "primary", "ownership": "public"}
    form |= {"students": 600, "boarders": 0, "staff": 40, "address": ""}
    page = client.post(url, form)
    html = page.content.decode()
    assert page.status_code == 400 and "“name”中含有不允许的控制字符（U+001D）" in html
    for text in ("x\x85y", "x\x7fy", "x\x0by"):  # C1, DEL, C0
        api = client.patch(
            f"/api/v1/schools/{world.a1.pk}",
            json.dumps({"address": text}),
            content_type="application/json",
        )
        error = api.json()["error"]
        assert api.status_code == 400 and error["code"] == "invalid", text
        assert error["details"][0]["loc"] == ["body", "address"] and "address" in error["message"]
    world.a1.refresh_from_db()
    world.a1.unit.refresh_from_db()
    assert (world.a1.unit.name, world.a1.address) == ("甲区第一小学", "")
    # Tab, line feed and carriage return are text.
    ok = client.patch(
        f"/api/v1/schools/{world.a1.pk}",
        json.dumps({"address": "学府路\t8 号\r\n东门"}),
        content_type="application/json",
    )
    assert ok.status_code == 200


def test_multipart_text_fields_are_checked_and_files_are_not(world, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_user("city_admin")
    data = b"PK\x03\x04\x1d\x00binary"  # files hold any bytes
    options = {"unit": world.city.pk, "group": "k12", "version": "1"}
    named = client.post(
        "/imports/risk-catalog/",
        {**options, "name": "清\x1d单", "file": SimpleUploadedFile("k.xlsx", data)},
    )
    assert named.status_code == 400 and "“name”" in named.content.decode()
    plain = client.post(
        "/imports/risk-catalog/",
        {**options, "name": "清单", "file": SimpleUploadedFile("k.xlsx", data)},
    )
    assert plain.status_code == 200 and "不是有效的 Excel" in plain.content.decode()


def test_the_system_checks_pass(db):
    """Every app's declarations import and name URLs and actions that exist (core/checks.py,
    access/checks.py): what `safecampus check` and every command run."""
    from django.core.management import call_command

    call_command("check", fail_level="ERROR")
