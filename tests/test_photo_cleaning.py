"""Photo cleaning (core/images.py, issue 12 item 4): no metadata segment survives, and a photo
over 60 megapixels is refused from its header, before it is decoded."""

import io
import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, ImageFile

from safecampus.hazards.models import HazardPhoto
from safecampus.hazards.services import hazard_report

SECRET = b"SECRET-5f3a"
# What a JPEG needs to be displayed: SOI, EOI, APP0 (JFIF), DQT, DHT, DRI, SOF0–2, SOS. Any
# other marker is metadata (APP1–APP15, COM).
DISPLAY_MARKERS = {0xD8, 0xD9, 0xE0, 0xDB, 0xC4, 0xDD, 0xC0, 0xC1, 0xC2, 0xDA}


def _segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment of a JPEG up to the scan."""
    assert data[:2] == b"\xff\xd8"
    found, i = [(0xD8, b"")], 2
    while i < len(data):
        assert data[i] == 0xFF, f"not a marker at {i}"
        marker = data[i + 1]
        if marker == 0xD9:
            found.append((marker, b""))
            break
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        found.append((marker, data[i + 4 : i + 2 + length]))
        if marker == 0xDA:  # the scan: entropy-coded data follows to the end
            break
        i += 2 + length
    return found


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _jpeg_with_every_kind_of_metadata() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (37.0, 30.0, 0.0), 3: "E", 4: (121.0, 24.0, 0.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(
        out,
        format="JPEG",
        exif=exif,
        icc_profile=icc,
        comment=b"taken at " + SECRET,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + SECRET + b"</x:xmpmeta>",
    )
    raw = out.getvalue()
    # IPTC (APP13) and a vendor segment (APP5), which Pillow does not write: put in by hand.
    extra = _segment(0xED, b"Photoshop 3.0\x00" + SECRET) + _segment(0xE5, b"vendor" + SECRET)
    return raw[:2] + extra + raw[2:]


def _hazard(world):
    hazard, _ = hazard_report(
        user=world.users["staff_a1"], school=world.a1, description="窗户护栏松动", source="report"
    )
    return hazard


def test_the_source_file_really_carries_each_segment():
    markers = {m for m, _ in _segments(_jpeg_with_every_kind_of_metadata())}
    assert {0xE1, 0xE2, 0xE5, 0xED, 0xFE} <= markers  # EXIF/XMP, ICC, APP5, IPTC, COM


def test_no_metadata_segment_survives_the_cleaning(world, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    hazard = _hazard(world)
    response = as_user("staff_a1").post(
        f"/api/v1/hazards/{hazard.pk}/photos",
        {
            "photo": SimpleUploadedFile("p.jpg", _jpeg_with_every_kind_of_metadata()),
            "stage": "found",
        },
    )
    assert response.status_code == 201, response.content
    stored = HazardPhoto.objects.get().image.read()
    markers = [m for m, _ in _segments(stored)]
    assert set(markers) <= DISPLAY_MARKERS, [hex(m) for m in markers if m not in DISPLAY_MARKERS]
    app0 = [p for m, p in _segments(stored) if m == 0xE0]
    assert app0 and all(p.startswith(b"JFIF\x00") for p in app0)
    assert SECRET not in stored
    shown = Image.open(io.BytesIO(stored))
    assert shown.size == (640, 480) and not shown.info.get("icc_profile")
    red, green, blue = shown.convert("RGB").getpixel((320, 240))
    assert red > 180 and green < 60 and blue < 60  # the colour survived the profile's removal


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG", optimize=True)
    return out.getvalue()


@pytest.fixture
def decodes(monkeypatch):
    """Counts the images Pillow decodes (ImageFile.load), to show a refusal came first."""
    calls = []
    real = ImageFile.ImageFile.load

    def load(self):
        calls.append(self.size)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


@pytest.mark.parametrize(("width", "height"), [(10_000, 10_000), (7_800, 7_800), (12_000, 12_000)])
def test_a_photo_over_60_megapixels_is_refused_before_it_is_decoded(
    world, as_user, settings, tmp_path, decodes, width, height
):
    settings.MEDIA_ROOT = tmp_path
    hazard = _hazard(world)
    data = _png(width, height)
    assert len(data) < 100_000  # tiny file, huge image
    decodes.clear()
    client = as_user("staff_a1")
    response = client.post(
        f"/api/v1/hazards/{hazard.pk}/photos", {"photo": SimpleUploadedFile("bomb.png", data)}
    )
    assert response.status_code == 400, response.content
    message = response.json()["error"]["message"]
    assert "像素过多" in message and "60 百万像素" in message
    assert decodes == []
    page = client.post(
        f"/hazards/{hazard.pk}/photos/",
        {"photo": SimpleUploadedFile("bomb.png", data)},
        follow=True,
    )
    assert "像素过多" in page.content.decode()
    assert decodes == []
    assert not HazardPhoto.objects.exists()
    assert list(tmp_path.rglob("*.jpg")) == []


def test_a_photo_within_the_limit_is_still_accepted(world, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    hazard = _hazard(world)
    response = as_user("staff_a1").post(
        f"/api/v1/hazards/{hazard.pk}/photos",
        {"photo": SimpleUploadedFile("wide.png", _png(6_000, 4_000))},  # 24 megapixels
    )
    assert response.status_code == 201, response.content
    photo = HazardPhoto.objects.get()
    assert (photo.width, photo.height) == (2048, 1365)
