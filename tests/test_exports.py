"""Every workbook export goes through the one writer (core/excel.py): text a person typed is
never written as a formula, and characters a workbook cannot hold never break an export."""

import io

import pytest
from openpyxl import load_workbook

from safecampus.buildings.models import Building
from safecampus.defenses.models import Guard
from safecampus.devices.services import device_create
from safecampus.hazards.models import Hazard
from safecampus.hazards.services import hazard_report
from safecampus.orgs.models import OrgUnit, School
from safecampus.risks import excel as catalog_excel
from safecampus.risks.services import catalog_import
from safecampus.threelists.models import SchoolRiskPoint
from safecampus.threelists.services import risk_list_instantiate

FORMULA = '=HYPERLINK("http://evil.example/x","点我")'
DDE = "=cmd|' /C calc'!A0"
CATALOG_ROW = [
    "T-03-001",
    "03",
    "教学楼",
    "+疏散通道堵塞",
    "-杂物堆放",
    "@火灾",
    "较大",
    FORMULA,
    "总务处",
    "安全管理员",
    "每日",
]


def _exports(world) -> list[tuple[str, str]]:
    """(persona, URL) of every workbook export, page and API."""
    a1 = world.a1.pk
    catalog = world.catalog.pk
    return [
        ("city_admin", "/schools/export.xlsx"),
        ("city_admin", "/api/v1/schools/export"),
        ("city_admin", "/hazards/export.xlsx"),
        ("city_admin", "/api/v1/hazards/export"),
        ("city_admin", "/buildings/export.xlsx"),
        ("city_admin", "/api/v1/buildings/export"),
        ("city_admin", f"/devices/schools/{a1}/export.xlsx"),
        ("city_admin", "/api/v1/devices/cameras/export"),
        ("city_admin", f"/defenses/schools/{a1}/guards.xlsx"),
        ("city_admin", f"/api/v1/defenses/guards/export?school={a1}"),
        ("city_admin", f"/risks/catalogs/{catalog}/export.xlsx"),
        ("city_admin", f"/api/v1/risk-catalogs/{catalog}/export"),
        ("principal_a1", f"/risks/schools/{a1}/lists/export.xlsx"),
    ]


@pytest.fixture
def typed(world):
    """One record of every exported kind at school A1, its text fields as a person typed
    them: formulas, DDE payloads, leading +, - and @."""
    world.catalog = catalog_import(
        user=world.users["city_admin"],
        unit=world.city,
        group="k12",
        name="清单",
        version="1",
        data=catalog_excel.workbook_bytes([CATALOG_ROW]),
    )
    risk_list_instantiate(user=world.users["director_a1"], school=world.a1)
    School.objects.filter(pk=world.a1.pk).update(address=FORMULA)
    hazard_report(
        user=world.users["staff_a1"],
        school=world.a1,
        description=FORMULA,
        place=DDE,
        source="report",
    )
    Building.objects.create(
        school=world.a1,
        name=FORMULA,
        use="teaching",
        structure="masonry",
        storeys=4,
        floor_area_m2=100,
        year_built=1990,
        seismic_status="compliant",
        fire_status="compliant",
        note=DDE,
    )
    device_create(
        user=world.users["director_a1"],
        kind="camera",
        school=world.a1,
        name=FORMULA,
        device_id="37060200001320000001",
        place="main_entrance",
        model=DDE,
    )
    Guard.objects.create(
        school=world.a1, name="张三", company=FORMULA, licence_no="+L1", birth_year=1975
    )
    return world


def _cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            yield from row


def test_a_formula_typed_into_a_text_field_comes_back_from_every_export_as_text(typed, as_user):
    for persona, url in _exports(typed):
        response = as_user(persona).get(url)
        assert response.status_code == 200, url
        cells = list(_cells(response.content))
        assert not [c.coordinate for c in cells if c.data_type == "f"], url
        texts = {c.value for c in cells if c.data_type == "s"}
        assert FORMULA in texts, url
        dangerous = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
        assert all(c.quotePrefix for c in dangerous), url


def test_a_control_character_already_stored_does_not_break_any_export(typed, as_user):
    # Written past the checks (an old row, a direct database change): the exports still work.
    OrgUnit.objects.filter(pk=typed.a1.unit.pk).update(name="甲区\x1d第一小学")
    Hazard.objects.update(description="扶手\x07松动")
    Building.objects.update(note="备注\x1d")
    Guard.objects.update(name="张\x1d三")
    SchoolRiskPoint.objects.update(name="风险\x0b点")
    for persona, url in _exports(typed):
        response = as_user(persona).get(url)
        assert response.status_code == 200, url
        values = [c.value for c in _cells(response.content) if isinstance(c.value, str)]
        assert not any("\x1d" in v or "\x07" in v or "\x0b" in v for v in values), url
    school_sheet = load_workbook(
        io.BytesIO(as_user("city_admin").get("/schools/export.xlsx").content)
    )
    names = [row[1] for row in school_sheet.active.iter_rows(min_row=2, values_only=True)]
    assert "甲区\ufffd第一小学" in names
