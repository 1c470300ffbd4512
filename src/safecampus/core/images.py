"""Photos from phones, made safe to keep: checked to be an image of a sane size, re-encoded
as JPEG (which drops EXIF and every other metadata, GPS included) and bounded in size."""

import io
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import BusinessRuleError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}
Image.MAX_IMAGE_PIXELS = 60_000_000  # refuse decompression bombs


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    width: int
    height: int


def image_clean(upload: "UploadedFile[bytes]") -> CleanImage:
    """The re-encoded photo, or a BusinessRuleError that says what is wrong with the file."""
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise BusinessRuleError(_("图片不能超过 10 MB"))
    raw = upload.read()
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            probe.verify()
        opened = Image.open(io.BytesIO(raw))
        if opened.format not in ACCEPTED:
            raise BusinessRuleError(_("只接受 JPEG、PNG、WEBP、GIF、BMP 格式的图片"))
        image = ImageOps.exif_transpose(opened)  # keep the photo upright once the EXIF is gone
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise BusinessRuleError(_("文件不是有效的图片")) from None
    return CleanImage(out.getvalue(), image.width, image.height)
