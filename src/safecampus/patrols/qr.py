"""The QR codes of the check points: the absolute URL of the scan page, drawn as SVG by segno
(pure Python, no image library, no network)."""

from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.urls import reverse

# A code pointing at the server's own loopback address cannot work on a guard's phone.
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104 - compared, not bound


def base_url(request=None) -> str:
    """SAFECAMPUS_BASE_URL when it is configured (an address phones can reach), else the host
    the request came in on."""
    configured = (getattr(settings, "SAFECAMPUS_BASE_URL", "") or "").rstrip("/")
    if configured and urlsplit(configured).hostname not in _LOOPBACK:
        return configured
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return configured


def scan_url(check_point, request=None) -> str:
    return base_url(request) + reverse("patrols:scan", args=[check_point.token])


def qr_svg(url: str, *, scale: int = 4) -> str:
    """An SVG element (no XML declaration, no fixed size: it fills its box) for `url`, with
    error correction M so that a scuffed label still scans."""
    code = segno.make(url, error="m", micro=False)
    return code.svg_inline(scale=scale, border=2, omitsize=True, title=url)
