"""The one import pipeline (imports/, core/excel.py): ledgers as the bureaus keep them (title
rows, 合计 rows, signature lines, their own column names), the column mapping through the page
and the API, preview, limits, the row errors and the templates — for every importer."""

import io

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from safecampus.audit.models import AuditEntry
from safecampus.core.excel import EXCERPT, RowError
from safecampus.imports.base import importers
from safecampus.orgs.models import OrgUnit, School

from .imports import api_import, page_import, upload_url, xlsx
from .imports import ledger as district_ledger

LEDGER_HEADER = [
    "序号",
    "学校名称",
    "学校代码",
    "学段",
    "办学性质",
    "在校生数",
    "教职工数",
    "是否寄宿",
    "寄宿生数",
    "地址",
    "备注",
]
LEDGER_ROWS = [
    [1, "甲区实验小学", "TA31", "小学", "公办", 1200, 80, "否", 0, "甲区学府路 1 号", ""],
    [2, "甲区第二初级中学", "TA32", "初中", "公办", 900, 75, "是", 300, "甲区海港路 9 号", "新建"],
    [3, "甲区阳光幼儿园", "TA33", "幼儿园", "民办", 210, 30, "否", None, "", "租赁校舍"],
]


def ledger(rows=LEDGER_ROWS) -> bytes:
    """The ledger of the district, as its officer keeps it (tests/imports.py)."""
    return district_ledger(LEDGER_HEADER, rows, totals=["", "", "", "", 2310, 185])


def test_a_district_ledger_imports_through_the_page_as_it_is(world, as_user):
    client = as_user("district_a")
    preview = page_import(client, "schools", ledger(), confirm=False)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "表头在第 3 行" in html and "3 行数据" in html
    # The columns it did not recognise are listed, not dropped silently.
    assert preview.context["unrecognised"] == ["序号", "备注"]
    assert 'data-testid="import-unrecognised"' in html
    assert "将：新增 3 所，更新 0 所，未变化 0 所" in html
    assert "甲区第二初级中学" in html  # the preview shows the rows
    assert not OrgUnit.objects.filter(code__in=["TA31", "TA32", "TA33"]).exists()
    done = page_import(client, "schools", ledger())
    assert done.status_code == 200 and "导入完成：新增 3 所" in done.content.decode()
    school = School.objects.get(unit__code="TA32")
    assert (school.school_type, school.students, school.staff) == ("junior", 900, 75)
    assert (school.boarding, school.boarders, school.district) == (True, 300, world.district_a)
    assert School.objects.get(unit__code="TA33").ownership == "private"
    assert not OrgUnit.objects.filter(name__contains="合计").exists()


def test_a_district_ledger_imports_through_the_api(world, as_user):
    client = as_user("district_a")
    preview = api_import(client, "schools", ledger(), dry_run=True)
    body = preview.json()
    assert preview.status_code == 200 and body["dry_run"] is True
    assert (body["rows"], body["header_row"], body["created"]) == (3, 3, 3)
    assert body["unrecognised_columns"] == ["序号", "备注"]
    assert body["mapping"]["学段"] == "school_type" and body["mapping"]["在校生数"] == "students"
    assert body["mapping"]["是否寄宿"] == "boarding" and body["mapping"]["备注"] == ""
    assert [row["name"] for row in body["preview"]] == [r[1] for r in LEDGER_ROWS]
    # The preview changed nothing, the audit trail included.
    assert not School.objects.filter(unit__code="TA31").exists()
    assert not AuditEntry.objects.filter(action="import").exists()
    done = api_import(client, "schools", ledger())
    assert done.status_code == 200 and done.json()["created"] == 3 and not done.json()["dry_run"]
    assert AuditEntry.objects.filter(action="import", outcome="success").count() == 1


def test_totals_subtotals_and_signature_lines_are_not_data(world, as_user):
    rows = [
        ["学校代码", "学校名称", "学校类型", "办学性质", "寄宿制", "学生数", "教职工数"],
        ["TA41", "甲区一校", "小学", "公办", "否", 100, 10],
        ["小计", None, None, None, None, 100, 10],
        [None, "合 计", None, None, None, 100, 10],
        ["制表人：王五", None, None, None, None, None, None],
        ["审核人：赵六", None, None, None, None, None, None],
    ]
    body = api_import(as_user("district_a"), "schools", xlsx(rows), dry_run=True).json()
    assert (body["rows"], body["header_row"], body["created"]) == (1, 1, 1)


def test_unrecognised_required_columns_are_mapped_through_the_page(world, as_user):
    header = ["单位全称", "学校代码", "学校类型", "办学性质", "寄宿制", "在籍人数", "教职工数"]
    data = xlsx([header, ["甲区四校", "TA51", "小学", "公办", "否", 320, 25]])
    client = as_user("district_a")
    first = page_import(client, "schools", data, confirm=False)
    html = first.content.decode()
    assert "缺少列：学校名称、学生数" in html and 'data-testid="import-mapping"' in html
    assert first.context["unrecognised"] == ["单位全称", "在籍人数"]
    done = page_import(
        client, "schools", data, mapping={"单位全称": "name", "在籍人数": "students"}
    )
    assert "导入完成：新增 1 所" in done.content.decode()
    assert School.objects.get(unit__code="TA51").students == 320


def test_unrecognised_required_columns_are_mapped_through_the_api(world, as_user):
    header = ["单位全称", "学校代码", "学校类型", "办学性质", "寄宿制", "在籍人数", "教职工数"]
    data = xlsx([header, ["甲区四校", "TA51", "小学", "公办", "否", 320, 25]])
    client = as_user("district_a")
    refused = api_import(client, "schools", data)
    error = refused.json()["error"]
    assert refused.status_code == 400 and error["code"] == "columns_missing"
    assert error["missing_columns"] == ["学校名称", "学生数"]
    assert error["unrecognised_columns"] == ["单位全称", "在籍人数"]
    # A mapping may name the column by key or by its header.
    done = api_import(client, "schools", data, mapping={"单位全称": "name", "在籍人数": "学生数"})
    assert done.status_code == 200 and done.json()["created"] == 1
    bad = api_import(client, "schools", data, mapping={"单位全称": "校长"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_mapping"
    assert api_import(client, "schools", data, mapping=["x"]).json()["error"]["code"] == (
        "invalid_mapping"
    )


def test_a_mapping_can_ignore_a_recognised_column(world, as_user):
    body = api_import(
        as_user("district_a"), "schools", ledger(), dry_run=True, mapping={"地址": ""}
    ).json()
    assert body["mapping"]["地址"] == "" and all(
        row.get("address") is None for row in body["preview"]
    )


def test_row_errors_name_row_column_and_value(world, as_user):
    rows = [*LEDGER_ROWS, [4, "甲区四校", "TA34", "大学堂", "公办", "很多", 10, "否", 0, "", ""]]
    client = as_user("district_a")
    html = page_import(client, "schools", ledger(rows)).content.decode()
    # Row 7 of the sheet: title, blank, header, three schools, then this one.
    assert "<td>7</td><td>学段</td><td>大学堂</td><td>不是有效类型" in html
    assert "<td>7</td><td>在校生数</td><td>很多</td><td>须为非负整数</td>" in html
    api = api_import(client, "schools", ledger(rows)).json()["error"]
    assert {"row": 7, "column": "在校生数", "value": "很多", "message": "须为非负整数"} in api[
        "details"
    ]
    assert (
        str(RowError(7, "在校生数", "须为非负整数", "很多"))
        == "第 7 行［在校生数］“很多”：须为非负整数"
    )
    assert not School.objects.filter(unit__code="TA31").exists()
    assert AuditEntry.objects.filter(action="import", outcome="failure").count() == 2


def test_errors_stop_at_two_hundred_and_say_how_many_more(world, as_user):
    header = ["学校代码", "学校名称", "学校类型", "办学性质", "寄宿制", "学生数", "教职工数"]
    # Three errors a row: 66 rows list 198, the 67th two more and one beyond the cap.
    bad = [[f"TA{n}", f"校{n}", "大学堂", "私立", "也许", 1, 1] for n in range(100, 250)]
    client = as_user("district_a")
    body = api_import(client, "schools", xlsx([header, *bad])).json()["error"]
    assert len(body["details"]) == 200
    assert (body["more_errors"], body["unchecked_rows"]) == (1, 150 - 67)
    assert "还有 1 处错误未列出、83 行未检查" in body["message"]
    page = page_import(client, "schools", xlsx([header, *bad])).content.decode()
    assert "还有 1 处错误未列出，83 行未检查" in page


def test_a_too_long_cell_is_a_row_error_with_a_short_excerpt(world, as_user):
    header = [
        "学校代码",
        "学校名称",
        "学校类型",
        "办学性质",
        "寄宿制",
        "学生数",
        "教职工数",
        "地址",
    ]
    huge = "长" * 30_000
    rows = [header, ["TA60", "甲" * 101, "小学", "公办", "否", 1, 1, huge]]
    body = api_import(as_user("district_a"), "schools", xlsx(rows)).json()["error"]
    by_column = {d["column"]: d for d in body["details"]}
    assert by_column["学校名称"]["message"] == "最长 100 字（此格 101 字）"
    assert by_column["地址"]["message"] == "最长 200 字（此格 30000 字）"
    assert by_column["地址"]["value"] == "长" * EXCERPT + "…"
    assert len(str(body)) < 2000  # the 30,000 characters are not echoed back


def test_a_control_character_in_a_cell_is_a_row_error(world, as_user):
    header = ["学校代码", "学校名称", "学校类型", "办学性质", "寄宿制", "学生数", "教职工数"]
    # (openpyxl writes no C0 character; Excel files may hold them as _x001D_ escapes.)
    data = xlsx([header, ["TA61", "甲区\x85学校", "小学", "公办", "否", 1, 1]])
    body = api_import(as_user("district_a"), "schools", data).json()["error"]
    assert body["details"][0]["column"] == "学校名称"
    assert "控制字符（U+0085）" in body["details"][0]["message"]
    assert not OrgUnit.objects.filter(code="TA61").exists()


@override_settings(IMPORT_MAX_ROWS=5)
def test_a_file_over_the_row_limit_is_refused_before_it_is_read_whole(world, as_user):
    header = ["学校代码", "学校名称", "学校类型", "办学性质", "寄宿制", "学生数", "教职工数"]
    rows = [[f"TA{n}", f"校{n}", "小学", "公办", "否", 1, 1] for n in range(70, 76)]
    client = as_user("district_a")
    api = api_import(client, "schools", xlsx([header, *rows]))
    assert api.status_code == 400 and api.json()["error"]["code"] == "invalid_file"
    assert api.json()["error"]["message"] == "文件的数据超过 5 行的上限，请分成几个文件导入"
    page = page_import(client, "schools", xlsx([header, *rows]))
    assert "文件的数据超过 5 行的上限" in page.content.decode()
    assert api_import(client, "schools", xlsx([header, *rows[:5]])).status_code == 200
    assert not OrgUnit.objects.filter(code="TA75").exists()


@override_settings(MAX_UPLOAD_BYTES=2000)
def test_a_file_over_the_size_limit_is_refused(world, as_user):
    client = as_user("district_a")
    api = api_import(client, "schools", ledger())
    assert api.status_code == 400 and "文件不能超过 0.0019" in api.json()["error"]["message"]
    page = client.post(upload_url("schools"), {"file": _upload(ledger())})
    assert "文件不能超过" in page.content.decode()
    assert not OrgUnit.objects.filter(code="TA31").exists()


def _upload(data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("big.xlsx", data)


@pytest.mark.parametrize("key", ["schools", "buildings", "cameras", "guards", "risk-catalog"])
def test_every_template_has_instructions_an_example_and_dropdowns(world, as_user, key):
    client = as_user("city_admin" if key in ("schools", "risk-catalog") else "director_a1")
    school = world.a1 if importers()[key].per_school else None
    url = f"/imports/{key}/template.xlsx" + (f"?school={school.pk}" if school else "")
    response = client.get(url)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    data, notes = wb.worksheets[0], wb["说明"]
    importer = importers()[key]
    columns = importer(user=None).layout()
    assert [c.value for c in data[1]] == [str(c.header) for c in columns]
    coded = [c for c in columns if c.choices]
    assert len(data.data_validations.dataValidation) == len(coded) > 0
    options = wb["选项"]
    assert options.sheet_state == "hidden"
    first = coded[0]
    assert [c.value for c in options["A"][1:] if c.value] == first.choice_labels()
    lines = list(notes.iter_rows(values_only=True))
    texts = [str(v) for row in lines for v in row if v is not None]
    assert any("必填" in t for t in texts)
    example = lines[-1]
    assert example[0] == importer.example[0] and lines[-2][0] == str(columns[0].header)
    # The API serves the same template.
    api = client.get(f"/api/v1/imports/{key}/template" + (f"?school={school.pk}" if school else ""))
    assert (
        api.status_code == 200
        and load_workbook(io.BytesIO(api.content)).sheetnames == wb.sheetnames
    )


def test_a_template_filled_in_imports(world, as_user):
    client = as_user("district_a")
    wb = load_workbook(io.BytesIO(client.get("/imports/schools/template.xlsx").content))
    example = list(wb["说明"].iter_rows(values_only=True))[-1]
    wb.worksheets[0].append(["TA80", *example[1:]][:12])
    wb.worksheets[0]["C2"] = "甲区"
    buffer = io.BytesIO()
    wb.save(buffer)
    body = api_import(client, "schools", buffer.getvalue()).json()
    assert body["created"] == 1 and School.objects.get(unit__code="TA80").students == 1200


def test_the_api_lists_what_each_user_may_import(world, as_user):
    keys = lambda persona: [i["key"] for i in as_user(persona).get("/api/v1/imports").json()]  # noqa: E731
    assert keys("city_admin") == ["schools", "risk-catalog"]
    assert keys("district_a") == ["schools", "cameras", "buildings"]
    assert keys("director_a1") == ["cameras", "guards", "buildings"]
    assert keys("teacher_b1") == []
    schools = as_user("district_a").get("/api/v1/imports").json()[0]
    school_type = next(c for c in schools["columns"] if c["key"] == "school_type")
    assert "学段" in school_type["synonyms"] and "小学" in school_type["choices"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("director_a1", 200), ("staff_a1", 403), ("district_b", 404), ("teacher_b1", 404)],
)
def test_a_per_school_import_needs_the_school_and_the_right_there(world, as_user, persona, status):
    client = as_user(persona)
    for key in ("cameras", "guards"):
        assert client.get(upload_url(key, world.a1)).status_code == status, key
    assert as_user("director_a1").get("/imports/cameras/").status_code == 404
    for school in ("abc", "99999999999999999999", "0"):
        assert as_user("director_a1").get(f"/imports/cameras/?school={school}").status_code == 404
    assert as_user("director_a1").get("/imports/no-such-import/").status_code == 404


def test_a_staged_file_is_the_uploaders_own(world, as_user):
    first = page_import(as_user("district_a"), "schools", ledger(), confirm=False)
    token = first.context["staged"].token
    other = as_user("city_admin")
    assert other.post(f"/imports/schools/{token}/", {"step": "import"}).status_code == 404
    assert not School.objects.filter(unit__code="TA31").exists()


def test_dates_numbers_and_booleans_keep_their_types(world, as_user):
    from datetime import date

    from safecampus.defenses.models import Guard

    header = ["姓名", "保安员证号", "证件有效期至", "出生年份", "用工方式", "在岗"]
    rows = [header, ["张三", "L9", date(2031, 5, 6), 1975.0, "专职", "是"]]
    body = api_import(as_user("director_a1"), "guards", xlsx(rows), school=world.a1).json()
    assert body["created"] == 1
    guard = Guard.objects.get(licence_no="L9")
    assert (guard.licence_expiry, guard.birth_year) == (date(2031, 5, 6), 1975)


# --- All or nothing, in the write phase too ---------------------------------------------------


def test_a_clash_only_the_write_finds_writes_nothing_and_names_the_row(world, as_user, monkeypatch):
    """Between the check and the write another school registers one of the file's device IDs
    (a concurrent form or import; here, for want of a second connection, inside the import's
    transaction, so it is rolled back with it): the database refuses the write. Nothing of the file is
    written — not the new cameras, not the update of the existing one — and the refusal names
    the row, found by checking again."""
    from safecampus.devices.importers import CameraImporter
    from safecampus.devices.models import Camera

    from .test_devices import _camera, _id, _upload, _workbook

    existing = _camera(world, n=1)
    check = CameraImporter.check
    concurrent = []

    def check_then_someone_registers(self, rows, errors):
        check(self, rows, errors)
        if not concurrent:  # once, right after the first check
            concurrent.append(_camera(world, school=world.b1, n=3, name="乙校新登记"))

    monkeypatch.setattr(CameraImporter, "check", check_then_someone_registers)
    data = _workbook(
        [
            ("校门口枪机1（更名）", _id(1), "校门口", "DS-2CD3T47", "", ""),
            ("走廊半球1", _id(2), "教学楼走廊及出入口", "", "", ""),
            ("操场球机1", _id(3), "playground", "", "", ""),
        ]
    )
    response = _upload(as_user("director_a1"), world.a1, data)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    assert [(e["row"], e["column"]) for e in error["details"]] == [(4, "设备编码")]
    assert "已被其他学校或设备登记" in error["details"][0]["message"]
    assert list(Camera.objects.filter(school=world.a1).values_list("pk", "name")) == [
        (existing.pk, existing.name)
    ]
    assert not Camera.objects.filter(device_id=_id(2)).exists()
    assert AuditEntry.objects.filter(action="import", outcome="failure").count() == 1


def test_updates_of_existing_schools_with_one_bad_row_update_nothing(world, as_user):
    before = list(
        School.objects.order_by("pk").values_list("unit__code", "unit__name", "students", "staff")
    )
    rows = [
        [1, "甲区第一小学", "TA01", "小学", "公办", 1500, 90, "否", 0, "", ""],
        [2, "甲区幼儿园", "TA02", "幼儿园", "公办", 260, 31, "否", 0, "", ""],
        [3, "甲区实验小学", "TA31", "大学预科", "公办", 100, 10, "否", 0, "", ""],
    ]
    response = api_import(as_user("district_a"), "schools", ledger(rows))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    assert [(e["row"], e["column"]) for e in error["details"]] == [(6, "学段")]
    after = list(
        School.objects.order_by("pk").values_list("unit__code", "unit__name", "students", "staff")
    )
    assert after == before
    assert not OrgUnit.objects.filter(code="TA31").exists()


def test_a_school_renamed_in_the_file_frees_its_name_for_a_new_one(world, as_user):
    """The check allows it (after the import every name is unique in the district); the
    write must too — it once created the new school before renaming the old one, and the
    database refused the file."""
    rows = [
        [1, "甲区第一小学（老校区）", "TA01", "小学", "公办", 1500, 90, "否", 0, "", ""],
        [2, "甲区第一小学", "TA50", "小学", "公办", 260, 31, "否", 0, "", ""],
    ]
    response = api_import(as_user("district_a"), "schools", ledger(rows))
    assert response.status_code == 200
    assert (response.json()["created"], response.json()["updated"]) == (1, 1)
    names = dict(OrgUnit.objects.filter(code__in=["TA01", "TA50"]).values_list("code", "name"))
    assert names == {"TA01": "甲区第一小学（老校区）", "TA50": "甲区第一小学"}
