"""Risk catalogs: published by the city, read by every unit below it, imported all or nothing."""

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from safecampus.audit.models import AuditEntry
from safecampus.core.excel import ImportRejected
from safecampus.risks import excel
from safecampus.risks.models import CatalogMeasure, CatalogRiskPoint, RiskCatalog
from safecampus.risks.services import catalog_import

from .conftest import PERSONAS
from .factories import OrgUnitFactory
from .imports import api_import, page_import

ROWS = [
    [
        "T-03-001",
        "03",
        "教学楼疏散通道",
        "疏散通道堵塞",
        "杂物堆放阻挡疏散",
        "火灾、踩踏",
        "较大",
        "每日放学后检查疏散通道畅通",
        "总务处",
        "安全管理员",
        "每日",
    ],
    [
        "T-03-001",
        "03 消防安全",
        "教学楼疏散通道",
        "疏散通道堵塞",
        "杂物堆放阻挡疏散",
        "火灾、踩踏",
        "较大",
        "每月检查应急照明和疏散指示",
        "总务处",
        "电工",
        "每月",
    ],
    [
        "T-05-001",
        "食品与饮用水安全",
        "学校食堂",
        "食品留样不全",
        "未按规定留样 48 小时",
        "食物中毒",
        "重大",
        "每餐留样 125 克以上并登记",
        "后勤处",
        "食堂管理员",
        "每日",
    ],
]


def _xlsx(rows) -> bytes:
    return excel.workbook_bytes(rows)


@pytest.fixture
def catalog(world):
    return catalog_import(
        user=world.users["city_admin"],
        unit=world.city,
        group="k12",
        name="测试市中小学风险清单",
        version="2026.1",
        data=_xlsx(ROWS),
        filename="k12.xlsx",
    )


def test_an_import_publishes_points_with_their_measures(catalog):
    assert catalog.is_current
    points = {p.code: p for p in catalog.points.all()}
    assert set(points) == {"T-03-001", "T-05-001"}
    assert points["T-03-001"].measures.count() == 2
    assert points["T-05-001"].level == "major" and points["T-05-001"].aspect.code == "05"
    measure = CatalogMeasure.objects.get(text="每月检查应急照明和疏散指示")
    assert (measure.department, measure.post, measure.frequency) == ("总务处", "电工", "monthly")
    assert AuditEntry.objects.filter(
        action="import", object_type="risks.riskcatalog", object_id=str(catalog.pk)
    ).exists()


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_every_unit_below_the_publisher_reads_the_catalog(catalog, as_user, persona):
    client = as_user(persona)
    listing = client.get("/api/v1/risk-catalogs")
    detail = client.get(f"/api/v1/risk-catalogs/{catalog.pk}/points")
    page = client.get(f"/risks/catalogs/{catalog.pk}/")
    if persona in ("auditor", "security_admin"):  # no business action
        assert listing.status_code == 403 and detail.status_code == 404 and page.status_code == 404
        return
    body = listing.json()
    assert [(c["school_type"], c["points"], c["measures"]) for c in body["items"]] == [
        ("k12", 2, 3)
    ]
    assert detail.json()["count"] == 2
    assert page.status_code == 200 and "疏散通道堵塞" in page.content.decode()


def test_a_catalog_of_another_city_is_invisible(world, as_user):
    other = OrgUnitFactory(kind="city", name="他市", code="T2")
    foreign = RiskCatalog.objects.create(unit=other, group="k12", name="他市清单", version="1")
    for persona in ("city_officer", "district_a", "principal_a1"):
        client = as_user(persona)
        assert client.get(f"/api/v1/risk-catalogs/{foreign.pk}").status_code == 404
        assert client.get(f"/risks/catalogs/{foreign.pk}/").status_code == 404
        assert client.get("/api/v1/risk-catalogs").json()["count"] == 0


def test_one_bad_row_publishes_nothing_and_names_row_and_column(world):
    rows = [
        *ROWS,
        [
            "T-09-001",
            "体育",
            "操场",
            "器材松动",
            "",
            "摔伤",
            "很大",
            "每周检查器材",
            "体育组",
            "体育教师",
            "偶尔",
        ],
        [
            "T-03-001",
            "03",
            "实验楼",
            "疏散通道堵塞",
            "杂物堆放阻挡疏散",
            "火灾、踩踏",
            "较大",
            "检查",
            "总务处",
            "安全管理员",
            "每日",
        ],
    ]
    with pytest.raises(ImportRejected) as caught:
        catalog_import(
            user=world.users["city_admin"],
            unit=world.city,
            group="k12",
            name="x",
            version="1",
            data=_xlsx(rows),
        )
    problems = {(e.row, e.column) for e in caught.value.errors}
    assert {
        (5, "方面"),
        (5, "潜在风险隐患"),
        (5, "风险等级"),
        (5, "检查频次"),
        (6, "场所/部位"),
    } <= problems
    assert not RiskCatalog.objects.exists() and not CatalogRiskPoint.objects.exists()
    assert AuditEntry.objects.filter(action="import", outcome="failure").exists()


def test_a_new_version_retires_the_old_and_versions_do_not_repeat(world, catalog, as_user):
    client = as_user("city_officer")
    post = lambda version, data: page_import(  # noqa: E731
        client,
        "risk-catalog",
        data,
        options={"unit": world.city.pk, "group": "k12", "name": "新版", "version": version},
    )
    assert "已有版本" in post("2026.1", _xlsx(ROWS)).content.decode()
    response = post("2026.2", _xlsx(ROWS[:1]))
    assert response.status_code == 302
    new = RiskCatalog.objects.get(version="2026.2")
    assert response["Location"] == f"/risks/catalogs/{new.pk}/"
    catalog.refresh_from_db()
    assert not catalog.is_current
    assert RiskCatalog.objects.get(version="2026.2").is_current


def test_only_city_managers_publish(world, as_user):
    for persona in ("district_a", "principal_a1", "auditor", "inspector"):
        client = as_user(persona)
        assert client.get("/imports/risk-catalog/").status_code == 403
        response = api_import(
            client,
            "risk-catalog",
            _xlsx(ROWS),
            unit=world.city.pk,
            group="k12",
            name="x",
            version="1",
        )
        assert response.status_code == 403
    assert not RiskCatalog.objects.exists()


def test_the_api_imports_and_reports_row_errors(world, as_user):
    client = as_user("city_admin")
    meta = {"unit": world.city.pk, "group": "kindergarten", "name": "幼儿园清单", "version": "1"}
    bad = api_import(client, "risk-catalog", _xlsx([[*ROWS[0][:6], "很大", *ROWS[0][7:]]]), **meta)
    assert bad.status_code == 400
    assert bad.json()["error"]["details"][0] | {"message": ""} == {
        "row": 2,
        "column": "风险等级",
        "value": "很大",
        "message": "",
    }
    ok = api_import(client, "risk-catalog", _xlsx(ROWS), **meta)
    assert ok.status_code == 200
    catalog = client.get(f"/api/v1/risk-catalogs/{ok.json()['id']}").json()
    assert (catalog["school_type"], catalog["points"], catalog["measures"]) == (
        "kindergarten",
        2,
        3,
    )
    district = api_import(
        client, "risk-catalog", _xlsx(ROWS), **meta | {"unit": world.district_a.pk}
    )
    assert district.status_code == 400 and district.json()["error"]["code"] == "invalid_options"
    assert not RiskCatalog.objects.filter(unit=world.district_a).exists()


def test_export_round_trips_through_import(world, catalog, as_user):
    data = as_user("district_a").get(f"/risks/catalogs/{catalog.pk}/export.xlsx").content
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "风险点编码" and len(rows) == 4
    again = catalog_import(
        user=world.users["city_admin"],
        unit=world.city,
        group="k12",
        name="x",
        version="2",
        data=data,
    )
    assert (
        again.points.count() == 2
        and CatalogMeasure.objects.filter(point__catalog=again).count() == 3
    )


def test_points_filter_by_aspect_level_and_text(catalog, as_user):
    client = as_user("principal_a1")
    base = f"/api/v1/risk-catalogs/{catalog.pk}/points"
    assert [p["code"] for p in client.get(f"{base}?aspect=05").json()["items"]] == ["T-05-001"]
    assert [p["code"] for p in client.get(f"{base}?level=significant").json()["items"]] == [
        "T-03-001"
    ]
    assert client.get(f"{base}?q=留样").json()["count"] == 1
    assert client.get(f"{base}?level=huge").status_code == 422
    page = client.get(f"/risks/catalogs/{catalog.pk}/?aspect=05").content.decode()
    assert "食品留样不全" in page and "疏散通道堵塞" not in page


def test_the_import_audit_entry_reads_in_the_readers_language(catalog):
    entry = AuditEntry.objects.get(
        action="import", object_type="risks.riskcatalog", object_id=str(catalog.pk)
    )
    with translation.override("zh-hans"):
        assert "发布 2 个风险点、3 项措施，已成为现行版本" in entry.display_message()
    with translation.override("en"):
        english = entry.display_message()
    assert "2 risk points and 3 measures published as the current version" in english
    assert "风险点" not in english
