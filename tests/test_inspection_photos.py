"""Photos of inspection items: taken on site while the check is in progress (re-encoded, metadata
stripped, at most 9 an item, a retried upload stored once), shown only to those who see the
inspection — the spot-check secrecy included — and handed to the hazard a failed item opens."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from safecampus.audit.models import AuditEntry
from safecampus.hazards.models import Hazard, HazardPhoto
from safecampus.inspections import services
from safecampus.inspections.models import Inspection, InspectionPhoto
from safecampus.risks.models import RiskCatalog

from .test_inspections import SCHOOL_SIDE, TODAY, _catalog


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def spot(world):
    """District A's unannounced spot check of school A1 with the city's inspector on the team
    (two items: 1 evacuation routes, 2 food samples)."""
    officer = world.users["district_a"]
    template = services.checklist_from_catalog(
        user=officer, unit=world.district_a, catalog=_catalog(world), name="消防与食品安全检查表"
    )
    campaign = services.campaign_create(
        user=officer,
        unit=world.district_a,
        name="甲区四不两直抽查",
        kind="spot",
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=30),
        template=template,
    )
    return services.inspection_plan(
        user=officer, campaign=campaign, school=world.a1, team=[world.users["inspector"]]
    )


@pytest.fixture
def started(spot, world):
    services.inspection_start(user=world.users["inspector"], inspection=spot)
    return spot


def _items(inspection):
    return list(inspection.campaign.template.items.order_by("order"))


def _jpeg(colour=(200, 30, 30), size=(3000, 1000)) -> bytes:
    """A phone photo: a JPEG with the maker and the GPS position in its EXIF."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (37.0, 30.0, 0.0), 3: "E", 4: (121.0, 24.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _upload(client, inspection, item, data=None, name="p.jpg"):
    return client.post(
        f"/api/v1/inspections/{inspection.pk}/photos",
        {"item_id": item.pk, "photo": SimpleUploadedFile(name, data or _jpeg())},
    )


def test_it_re_encodes_a_photo_and_stores_a_retried_upload_once(started, as_user):
    inspector = as_user("inspector")
    item = _items(started)[1]
    data = _jpeg()
    first = _upload(inspector, started, item, data)
    assert first.status_code == 201, first.content
    photo = InspectionPhoto.objects.get()
    assert (photo.item, photo.width, photo.height) == (item, 2048, 683)
    stored = Image.open(photo.image.path)
    assert stored.format == "JPEG" and not stored.getexif()  # GPS and maker are gone
    # The answer was lost on the way back and the phone sends the same file again.
    again = _upload(inspector, started, item, data)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert InspectionPhoto.objects.count() == 1
    # Another photo of the same item is another photo.
    assert _upload(inspector, started, item, _jpeg((10, 120, 10))).status_code == 201
    detail = inspector.get(f"/api/v1/inspections/{started.pk}").json()
    assert [p["item_id"] for p in detail["photos"]] == [item.pk, item.pk]
    served = inspector.get(detail["photos"][0]["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert AuditEntry.objects.filter(object_type__icontains="inspectionphoto").count() == 2


def test_bad_uploads_are_refused_in_words_and_store_nothing(spot, world, as_user):
    inspector = as_user("inspector")
    first, second = _items(spot)
    early = _upload(inspector, spot, first)
    assert early.status_code == 400 and "开始检查" in early.json()["error"]["message"]
    services.inspection_start(user=world.users["inspector"], inspection=spot)
    fake = _upload(inspector, spot, first, b"%PDF-1.4 not an image", name="p.jpg")
    assert fake.status_code == 400 and "不是有效的图片" in fake.json()["error"]["message"]
    other = services.checklist_from_catalog(
        user=world.users["city_officer"],
        unit=world.city,
        catalog=RiskCatalog.objects.get(),
        name="别的表",
    )
    foreign = _upload(inspector, spot, other.items.first())
    assert foreign.status_code == 400 and "不属于本检查表" in foreign.json()["error"]["message"]
    missing = inspector.post(f"/api/v1/inspections/{spot.pk}/photos", {"item_id": first.pk})
    assert missing.status_code == 422
    assert not InspectionPhoto.objects.exists()
    for n in range(services.MAX_PHOTOS_PER_ITEM):
        assert (
            _upload(inspector, spot, first, _jpeg((n * 25, 100, 50), (40, 30))).status_code == 201
        )
    tenth = _upload(inspector, spot, first, _jpeg((99, 0, 0), (40, 30)))
    assert tenth.status_code == 400 and "最多 9 张" in tenth.json()["error"]["message"]
    assert _upload(inspector, spot, second, _jpeg((99, 0, 0), (40, 30))).status_code == 201
    # The page says the same on the item's photo strip.
    page = inspector.post(
        f"/inspections/{spot.pk}/photos/",
        {"item": second.pk, "photo": SimpleUploadedFile("x.png", b"\x89PNG broken")},
    )
    assert page.status_code == 400 and "不是有效的图片" in page.content.decode()
    assert InspectionPhoto.objects.count() == services.MAX_PHOTOS_PER_ITEM + 1


def test_only_the_team_and_the_organizers_add_photos(started, as_user):
    item = _items(started)[0]
    expected = {
        "inspector": 201,  # on the team
        "district_a": 201,  # organizes the campaign
        "principal_a1": 403,  # sees the started check, is not an inspector
        "staff_a1": 403,
        "district_b": 404,  # another district: the inspection does not exist for them
        "teacher_b1": 404,
        "auditor": 404,
    }
    seen = {
        persona: _upload(
            as_user(persona), started, item, _jpeg((n * 30, 90, 90), (40, 30))
        ).status_code
        for n, persona in enumerate(expected)
    }
    assert seen == expected
    assert InspectionPhoto.objects.count() == 2


def test_photos_are_seen_by_whoever_sees_the_inspection(started, as_user):
    _upload(as_user("inspector"), started, _items(started)[0])
    photo = InspectionPhoto.objects.get()
    for persona in ("inspector", "district_a", "city_officer", *SCHOOL_SIDE):
        client = as_user(persona)
        assert client.get(f"/inspections/photos/{photo.pk}/").status_code == 200, persona
        assert client.get(f"/api/v1/inspections/photos/{photo.pk}").status_code == 200, persona
    for persona in ("teacher_b1", "district_b", "principal_c1", "auditor"):
        client = as_user(persona)
        assert client.get(f"/inspections/photos/{photo.pk}/").status_code == 404, persona
        assert client.get(f"/api/v1/inspections/photos/{photo.pk}").status_code == 404, persona


def test_the_spot_check_secrecy_covers_its_photos(started, as_user):
    """Photos are taken only once a check has started, when its school may see it; should one
    exist on a check that has not (a check put back to planned), the choke point's secrecy rule
    hides it from the school like the check itself."""
    _upload(as_user("inspector"), started, _items(started)[0])
    photo = InspectionPhoto.objects.get()
    Inspection.objects.filter(pk=started.pk).update(status="planned", started_at=None)
    for persona in SCHOOL_SIDE:
        client = as_user(persona)
        assert client.get(f"/inspections/photos/{photo.pk}/").status_code == 404, persona
        assert client.get(f"/api/v1/inspections/photos/{photo.pk}").status_code == 404, persona
    for persona in ("inspector", "district_a", "city_officer"):
        assert as_user(persona).get(f"/inspections/photos/{photo.pk}/").status_code == 200


def test_a_failed_items_photos_become_the_photos_of_its_hazard(started, world, as_user):
    inspector = as_user("inspector")
    evacuation, food = _items(started)
    _upload(inspector, started, food, _jpeg((200, 0, 0)))
    _upload(inspector, started, food, _jpeg((0, 0, 200)))
    _upload(inspector, started, evacuation, _jpeg((0, 200, 0)))
    body = {
        "client_key": "insp-photos-0001",
        "results": [
            {"item_id": evacuation.pk, "outcome": "pass"},
            {"item_id": food.pk, "outcome": "fail", "note": "周二午餐未留样"},
        ],
    }
    url = f"/api/v1/inspections/{started.pk}/submit"
    first = inspector.post(url, body, content_type="application/json")
    again = inspector.post(url, body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    hazard = Hazard.objects.get()
    food_photos = InspectionPhoto.objects.filter(item=food)
    assert sorted(p.image.name for p in hazard.photos.all()) == sorted(
        p.image.name for p in food_photos
    )
    assert HazardPhoto.objects.count() == 2  # the retried submit added none
    assert {p.stage for p in hazard.photos.all()} == {"found"}
    # The school's safety director reads the hazard with its photos, on the page and the API.
    director = as_user("director_a1")
    photos = director.get(f"/api/v1/hazards/{hazard.pk}").json()["photos"]
    assert len(photos) == 2
    assert director.get(photos[0]["url"]).status_code == 200
    assert director.get(f"/hazards/{hazard.pk}/").content.decode().count("/hazards/photos/") >= 2
    # The submitted inspection shows every item's photos; no more can be added or removed.
    page = director.get(f"/inspections/{started.pk}/").content.decode()
    assert page.count("/inspections/photos/") >= 3
    late = _upload(inspector, started, food, _jpeg((1, 2, 3)))
    assert late.status_code == 400 and "已提交" in late.json()["error"]["message"]
    photo = food_photos.first()
    gone = inspector.delete(f"/api/v1/inspections/photos/{photo.pk}")
    assert gone.status_code == 400 and InspectionPhoto.objects.count() == 3


def test_the_inspector_takes_back_a_wrong_photo_while_in_progress(
    started, as_user, django_capture_on_commit_callbacks
):
    inspector = as_user("inspector")
    first, second = _items(started)
    _upload(inspector, started, first, _jpeg((1, 1, 1)))
    _upload(inspector, started, second, _jpeg((2, 2, 2)))
    by_api, by_page = InspectionPhoto.objects.order_by("pk")
    url = f"/api/v1/inspections/photos/{by_api.pk}"
    assert as_user("principal_a1").delete(url).status_code == 403
    assert as_user("teacher_b1").delete(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert inspector.delete(url).status_code == 204
    assert not by_api.image.storage.exists(by_api.image.name)  # the file went with the row
    # The page's remove button answers the item's strip, now empty.
    with django_capture_on_commit_callbacks(execute=True):
        strip = inspector.post(f"/inspections/photos/{by_page.pk}/remove/")
    assert strip.status_code == 200 and "/inspections/photos/" not in strip.content.decode()
    assert not InspectionPhoto.objects.exists()


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_inspection_page_and_api_read_photos_in_a_fixed_number_of_queries(started, as_user):
    inspector = as_user("inspector")
    first, second = _items(started)
    _upload(inspector, started, first, _jpeg((5, 5, 5), (40, 30)))
    page_one = _queries(inspector, f"/inspections/{started.pk}/")
    api_one = _queries(inspector, f"/api/v1/inspections/{started.pk}")
    for n in range(3):
        _upload(inspector, started, second, _jpeg((n * 60, 5, 5), (40, 30)))
        _upload(inspector, started, first, _jpeg((5, n * 60, 5), (40, 30)))
    assert _queries(inspector, f"/inspections/{started.pk}/") == page_one
    assert _queries(inspector, f"/api/v1/inspections/{started.pk}") == api_one


def test_a_refused_submission_keeps_what_the_inspector_entered(started, as_user):
    first, second = _items(started)
    page = as_user("inspector").post(
        f"/inspections/{started.pk}/",
        {"client_key": "page-key-0001", f"outcome-{first.pk}": "fail", f"note-{first.pk}": ""},
    )
    body = page.content.decode()
    assert page.status_code == 200 and "还有 1 项未填写结果" in body
    assert f'id="o{first.pk}fail" value="fail" checked' in body
    assert 'value="page-key-0001"' in body
    assert not Hazard.objects.exists()
