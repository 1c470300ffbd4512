"""School import from Excel: all or nothing, every bad row named by row and column."""

import io

import pytest
from openpyxl import Workbook

from safecampus.audit.models import AuditEntry
from safecampus.orgs import excel
from safecampus.orgs.models import OrgUnit, School

from .imports import api_import, page_import

GOOD = [
    [
        "TA10",
        "甲区第二小学",
        "甲区",
        "小学",
        "公办",
        "否",
        820,
        0,
        60,
        "甲区学府路 8 号",
        121.4,
        37.5,
    ],
    ["TA11", "甲区实验幼儿园", "TA", "幼儿园", "民办", "否", 180, None, 22, "", None, None],
]


def _xlsx(rows, headers=None) -> bytes:
    if headers is None:
        return excel.workbook_bytes(rows)
    wb = Workbook()
    wb.active.append(headers)
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _upload(client, data, name="schools.xlsx"):
    return page_import(client, "schools", data, name=name)


def test_it_imports_new_schools_into_the_officers_district(world, as_user):
    response = _upload(as_user("district_a"), _xlsx(GOOD))
    assert response.status_code == 200
    assert "新增 2 所" in response.content.decode()
    school = School.objects.select_related("unit").get(unit__code="TA10")
    assert school.unit.parent == world.district_a
    assert school.district == world.district_a
    assert school.unit.path == "/T1/TA/TA10/"
    assert (school.students, school.staff, school.school_type) == (820, 60, "primary")
    assert School.objects.get(unit__code="TA11").ownership == "private"
    created = AuditEntry.objects.filter(
        action="create", object_type="orgs.school", username="district_a"
    )
    assert created.count() == 2
    assert AuditEntry.objects.filter(action="import", username="district_a").exists()


def test_one_bad_row_imports_nothing_and_names_every_problem(world, as_user):
    rows = [
        *GOOD,
        ["TA12", "甲区第三小学", "甲区", "大学堂", "公办", "也许", -5, 0, "多", "", 500, None],
    ]
    client = as_user("district_a")
    before_units, before_entries = OrgUnit.objects.count(), AuditEntry.objects.count()
    response = _upload(client, _xlsx(rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert "未导入任何数据" in html
    for column, value, reason in [
        ("学校类型", "大学堂", "不是有效类型"),
        ("寄宿制", "也许", "应为“是”或“否”"),
        ("学生数", "-5", "须为非负整数"),
        ("教职工数", "多", "须为非负整数"),
        ("经度", "500", "须在 -180 到 180 之间"),
    ]:
        assert f"<td>4</td><td>{column}</td><td>{value}</td><td>{reason}" in html, column
    assert OrgUnit.objects.count() == before_units
    # Nothing changed; only the refused attempt itself is on the trail.
    assert AuditEntry.objects.count() == before_entries + 1
    assert AuditEntry.objects.filter(action="import", outcome="failure").count() == 1


def test_an_officer_cannot_import_into_another_district(world, as_user):
    rows = [["TB10", "乙区新学校", "乙区", "小学", "公办", "否", 100, 0, 10, "", None, None]]
    response = _upload(as_user("district_a"), _xlsx(rows))
    assert "不是您有权导入的区市" in response.content.decode()
    assert not OrgUnit.objects.filter(code="TB10").exists()


def test_duplicates_in_the_file_and_against_the_database_are_refused(world, as_user):
    rows = [
        GOOD[0],
        ["TA10", "甲区另一所小学", "甲区", "小学", "公办", "否", 100, 0, 10, "", None, None],
        ["TA13", "甲区幼儿园", "甲区", "幼儿园", "公办", "否", 100, 0, 10, "", None, None],
        ["TB01", "冒用代码的学校", "甲区", "小学", "公办", "否", 100, 0, 10, "", None, None],
    ]
    response = _upload(as_user("district_a"), _xlsx(rows))
    html = response.content.decode()
    assert "与第 2 行重复" in html
    assert "该区市已有同名学校" in html
    assert "该代码已被另一个组织机构使用" in html
    assert not OrgUnit.objects.filter(code="TA13").exists()


def test_it_updates_existing_schools_by_code_and_skips_unchanged_ones(world, as_user):
    client = as_user("city_admin")
    exported = client.get("/schools/export.xlsx").content
    again = _upload(client, exported)
    assert "新增 0 所，更新 0 所，未变化 4 所" in again.content.decode()
    rows = [["TA01", "甲区第一小学", "甲区", "小学", "公办", "否", 640, 0, 45, "", None, None]]
    assert "更新 1 所" in _upload(client, _xlsx(rows)).content.decode()
    world.a1.refresh_from_db()
    assert world.a1.students == 640
    entry = AuditEntry.objects.get(
        action="update", object_type="orgs.school", object_id=str(world.a1.pk)
    )
    assert entry.before == {"students": 600, "staff": 40} and entry.after == {
        "students": 640,
        "staff": 45,
    }


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"not a spreadsheet", "schools.xlsx", "不是有效的 Excel"),
        (_xlsx([["x", "y"]], headers=["学校代码", "名称"]), "schools.xlsx", "缺少列"),
        (excel.workbook_bytes([]), "schools.xlsx", "没有数据行"),
        (b"a,b", "schools.csv", "请上传 .xlsx"),
    ],
    # Named by their case: a workbook's bytes carry the time it was written, and xdist's
    # workers must collect the same test ids.
    ids=["not-a-workbook", "missing-columns", "no-rows", "csv"],
)
def test_unreadable_files_get_a_clear_message(world, as_user, data, name, message):
    response = _upload(as_user("city_admin"), data, name)
    assert message in response.content.decode()
    assert OrgUnit.objects.count() == 7


def test_the_api_import_answers_row_errors_in_the_error_shape(world, as_user):
    client = as_user("district_a")
    rows = [GOOD[0], ["", "无代码学校", "甲区", "小学", "公办", "否", 100, 0, 10, "", None, None]]
    response = api_import(client, "schools", _xlsx(rows))
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "import_rejected"
    assert {"row": 3, "column": "学校代码", "value": "", "message": "必填"} in body["details"]
    ok = api_import(client, "schools", _xlsx(GOOD))
    assert ok.status_code == 200
    assert (ok.json()["created"], ok.json()["updated"], ok.json()["unchanged"]) == (2, 0, 0)
    bad = api_import(client, "schools", b"junk")
    assert bad.status_code == 400 and "Excel" in bad.json()["error"]["message"]


def test_the_import_command_imports_or_lists_every_error(world, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx(GOOD))
    out = io.StringIO()
    call_command("import_schools", str(good), "--user", "district_a", stdout=out)
    assert "新增 2" in out.getvalue()
    assert (
        AuditEntry.objects.filter(
            action="create", object_type="orgs.school", username="district_a"
        ).count()
        == 2
    )
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        _xlsx([["TA20", "甲区新校", "乙区", "小学", "公办", "否", 1, 0, 1, "", None, None]])
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_schools", str(bad), "--user", "district_a", stderr=err)
    assert "第 2 行［所属区市］“乙区”：不是您有权导入的区市" in err.getvalue()


def test_row_errors_follow_the_users_language(world, as_user):
    client = as_user("district_a")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    rows = [["TA30", "甲区新校", "甲区", "大学堂", "公办", "否", 1, 0, 1, "", None, None]]
    html = _upload(client, _xlsx(rows)).content.decode()
    assert "is not a valid type" in html and "nothing was imported" in html
