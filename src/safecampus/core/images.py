"""Photos from phones, made safe to keep: checked to be an image of a sane size **before it is
decoded**, re-encoded as a plain JPEG that carries the pixels and nothing else, and bounded in
size.

What goes: every metadata segment of the source — EXIF (GPS, the phone's serial), XMP, the
JPEG comment (COM), IPTC and every other APPn, PNG text chunks, the ICC profile (the pixels are
converted to sRGB first, so the colours stay right). What stays in the output: the JFIF header
(APP0) and the image data — what a viewer needs to display it.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .errors import BusinessRuleError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}
# The largest photo accepted (docs/architecture.md, photos): 60 megapixels, a phone's largest
# sensor with room to spare. Checked on the header's dimensions before decoding, because a
# small file can declare a huge image (a 12 KB PNG of 100 megapixels decodes to ~300 MB).
MAX_PIXELS = 60_000_000
# Pillow's own guard, as a second line: it warns above this and refuses above twice this, so
# the explicit check in image_clean is what enforces the limit.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    width: int
    height: int


def _too_many_pixels(width: int, height: int) -> BusinessRuleError:
    return BusinessRuleError(
        _(
            "图片像素过多（%(w)s × %(h)s，约 %(mp)s 百万像素），最多 %(max)s 百万像素，请缩小后再上传"
        )
        % {"w": width, "h": height, "mp": round(width * height / 1e6), "max": MAX_PIXELS // 10**6}
    )


def _opened(raw: bytes) -> Image.Image:
    """The image, opened lazily (header only): refused when its format is not a photo's or
    its declared size is over the limit, before a pixel is decoded."""
    image = Image.open(io.BytesIO(raw))
    if image.format not in ACCEPTED:
        raise BusinessRuleError(_("只接受 JPEG、PNG、WEBP、GIF、BMP 格式的图片"))
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(width, height)
    return image


def _in_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB: an embedded colour profile is applied, then dropped."""
    icc = image.info.get("icc_profile")
    rgb = image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(rgb, source, _SRGB, outputMode="RGB")
            if converted is not None:
                rgb = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are
    return rgb


def image_clean(upload: "UploadedFile[bytes]") -> CleanImage:
    """The re-encoded photo, or a BusinessRuleError that says what is wrong with the file."""
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise BusinessRuleError(_("图片不能超过 10 MB"))
    raw = upload.read()
    try:
        with warnings.catch_warnings():
            # Between 1x and 2x MAX_IMAGE_PIXELS Pillow only warns; _opened refuses those in
            # words, with the dimensions (above 2x Pillow refuses at open, before _opened).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with _opened(raw) as probe:
                probe.verify()
            opened = _opened(raw)
            image = ImageOps.exif_transpose(opened)  # upright once the EXIF is gone
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            pixels = _in_srgb(image)
    except BusinessRuleError:
        raise
    except Image.DecompressionBombError:
        raise BusinessRuleError(
            _("图片像素过多，最多 %(max)s 百万像素") % {"max": MAX_PIXELS // 10**6}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BusinessRuleError(_("文件不是有效的图片")) from None
    # A new image holds the pixels only: no info (comment, EXIF, XMP, ICC, text chunks) to copy.
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return CleanImage(out.getvalue(), clean.width, clean.height)
