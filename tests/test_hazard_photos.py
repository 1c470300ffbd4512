"""Hazard photos: re-encoded with their metadata stripped, checked, and scoped."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from safecampus.hazards.models import Hazard, HazardPhoto
from safecampus.hazards.services import hazard_report


def _jpeg_with_gps(size=(3000, 1000)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (37.0, 30.0, 0.0), 3: "E", 4: (121.0, 24.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _hazard(world):
    hazard, _ = hazard_report(
        user=world.users["staff_a1"], school=world.a1, description="窗户护栏松动", source="report"
    )
    return hazard


def test_a_photo_is_re_encoded_without_its_metadata(world, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    hazard = _hazard(world)
    client = as_user("staff_a1")
    response = client.post(
        f"/api/v1/hazards/{hazard.pk}/photos",
        {"photo": SimpleUploadedFile("p.jpg", _jpeg_with_gps()), "stage": "found"},
    )
    assert response.status_code == 201
    photo = HazardPhoto.objects.get()
    assert (photo.width, photo.height) == (2048, 683)
    stored = Image.open(photo.image.path)
    assert stored.format == "JPEG" and not stored.getexif()
    served = client.get(f"/hazards/photos/{photo.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert client.get(f"/api/v1/hazards/{hazard.pk}").json()["photos"][0]["stage"] == "found"


def test_files_that_are_not_images_are_refused_in_words(world, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    hazard = _hazard(world)
    client = as_user("staff_a1")
    fake = client.post(
        f"/api/v1/hazards/{hazard.pk}/photos",
        {"photo": SimpleUploadedFile("p.jpg", b"%PDF-1.4 not an image")},
    )
    assert fake.status_code == 400 and "不是有效的图片" in fake.json()["error"]["message"]
    page = client.post(
        f"/hazards/{hazard.pk}/photos/",
        {"photo": SimpleUploadedFile("x.png", b"\x89PNG broken")},
        follow=True,
    )
    assert "不是有效的图片" in page.content.decode()
    assert not HazardPhoto.objects.exists()


def test_photos_are_seen_only_by_those_who_see_the_hazard(world, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    hazard = _hazard(world)
    as_user("staff_a1").post(
        f"/api/v1/hazards/{hazard.pk}/photos",
        {"photo": SimpleUploadedFile("p.jpg", _jpeg_with_gps((400, 300)))},
    )
    photo = HazardPhoto.objects.get()
    assert as_user("district_a").get(f"/hazards/photos/{photo.pk}/").status_code == 200
    assert as_user("teacher_b1").get(f"/hazards/photos/{photo.pk}/").status_code == 404
    assert as_user("teacher_b1").get(f"/api/v1/hazards/photos/{photo.pk}").status_code == 404
    # A school member who neither reported, owns nor manages the hazard cannot add photos.
    refused = as_user("guard_a1").post(
        f"/api/v1/hazards/{hazard.pk}/photos",
        {"photo": SimpleUploadedFile("p.jpg", _jpeg_with_gps((400, 300)))},
    )
    assert refused.status_code == 403
    Hazard.objects.filter(pk=hazard.pk).update(status="closed")
    closed = as_user("staff_a1").post(
        f"/api/v1/hazards/{hazard.pk}/photos",
        {"photo": SimpleUploadedFile("p.jpg", _jpeg_with_gps((400, 300)))},
    )
    assert closed.status_code == 400 and HazardPhoto.objects.count() == 1
