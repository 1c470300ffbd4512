"""The Content Security Policy: the header on every response (django-csp, the policy in
settings `CONTENT_SECURITY_POLICY`) and the endpoint browsers report violations to.

No page runs inline code or styles: scripts and CSS are static files, page data travels in
`json_script` blocks and `data-` attributes, Alpine is its CSP build and htmx is configured not
to evaluate (docs/architecture.md §10). A violation is therefore a bug (or an injection): the
browser blocks it and reports it here, and it is logged."""

import json
import logging
from typing import Any

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("safecampus.csp")

REPORT_TYPES = ("application/csp-report", "application/reports+json", "application/json")
MAX_REPORT_BYTES = 16 * 1024  # a report is a few hundred bytes, a browser's batch a few KB
MAX_REPORTS = 20  # violations logged from one request
FIELD_CHARS = 300  # characters of one field in the log


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, plus this host's WebSocket origins in connect-src.

    The command board opens ws(s)://<this host>/ws/emergency/board/. 'self' covers it in
    today's browsers (CSP level 3); older ones (Safari before 15.4) need the origin itself."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            try:
                host = request.get_host()
            except DisallowedHost:  # the 400 that answers it needs no WebSocket
                return parts
            parts.update = {
                **(parts.update or {}),
                "connect-src": [f"ws://{host}", f"wss://{host}"],
            }
        return parts


def _text(value: Any) -> str:
    """One field for the log: printable (a line break would forge a log line), cut short."""
    text = "" if value is None else str(value)
    return "".join(c if c.isprintable() else "?" for c in text[:FIELD_CHARS])


# Our name of each logged field: its names in a report-uri report (the first one present) and
# in a Reporting API report.
FIELDS = {
    "directive": (("effective-directive", "violated-directive"), "effectiveDirective"),
    "blocked": (("blocked-uri",), "blockedURL"),
    "document": (("document-uri",), "documentURL"),
    "source": (("source-file",), "sourceFile"),
    "line": (("line-number",), "lineNumber"),
    "sample": (("script-sample",), "sample"),
    "disposition": (("disposition",), "disposition"),
}


def _violations(data: Any) -> list[dict[str, Any]] | None:
    """The violations of a report body, in one shape; None if it is neither format.

    report-uri sends `{"csp-report": {"document-uri": …}}`; the Reporting API (a policy's
    report-to) a list of `{"type": "csp-violation", "body": {"documentURL": …}}`, other
    types skipped. The policy names only report-uri (settings), but a proxy may add report-to."""
    if isinstance(data, dict) and isinstance(report := data.get("csp-report"), dict):
        return [
            {
                ours: next((report[n] for n in names if report.get(n) is not None), None)
                for ours, (names, _) in FIELDS.items()
            }
        ]
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        return [
            {ours: body.get(name) for ours, (_, name) in FIELDS.items()}
            for item in data
            if item.get("type") == "csp-violation" and isinstance(body := item.get("body"), dict)
        ]
    return None


@csrf_exempt  # a browser sends it on its own: no token, and no login either
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log each violation a browser reports (logger `safecampus.csp`, one warning line each).

    204 when read; 413 for a body over MAX_REPORT_BYTES (the length is checked before the
    body is read); 415 for another media type; 400 for a body that is not a report."""
    if request.content_type not in REPORT_TYPES:
        return HttpResponse(status=415)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse(status=400)
    if declared > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    body = request.read(MAX_REPORT_BYTES + 1)
    if len(body) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        violations = _violations(json.loads(body))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
        violations = None
    if violations is None:
        return HttpResponse(status=400)
    for v in violations[:MAX_REPORTS]:
        logger.warning(
            "CSP violation: %s",
            " ".join(
                f"{key}={_text(value)!r}" for key, value in v.items() if value not in (None, "")
            ),
        )
    if len(violations) > MAX_REPORTS:
        logger.warning("CSP violation: %d more in the same report", len(violations) - MAX_REPORTS)
    return HttpResponse(status=204)
