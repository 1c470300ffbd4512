"""The Content Security Policy (safecampus/core/csp.py): the header on every kind of answer,
nothing inline in the templates, scripts and Python-built HTML that it would block, and the
endpoint that logs the browsers' violation reports.

The scope matrix checks the header and the inline code on every page and API answer of every
persona (tests/matrix/dsl.py with tests/csp.py); the browser tests fail on any violation that
Chromium meets (tests/browser/conftest.py, tests/browser/test_csp.py)."""

import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import resolve

from safecampus.core import csp

from .csp import HEADER, inline_code, policy_problems

SRC = Path(__file__).resolve().parents[1] / "src" / "safecampus"
REPORT_URL = "/csp-report/"
VIOLATION = {
    "document-uri": "http://testserver/hazards/",
    "referrer": "",
    "violated-directive": "style-src-attr",
    "effective-directive": "style-src-attr",
    "original-policy": "default-src 'self'; report-uri /csp-report/",
    "disposition": "enforce",
    "blocked-uri": "inline",
    "line-number": 12,
    "source-file": "http://testserver/static/safecampus/app.js",
    "status-code": 200,
    "script-sample": "color: red",
}


def reported(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "safecampus.csp"]


def post_report(body, content_type="application/csp-report", client=None, **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return (client or Client(enforce_csrf_checks=True)).post(
        REPORT_URL, data, content_type=content_type, **extra
    )


# --- the header -----------------------------------------------------------------------------


def test_the_policy_allows_this_site_alone_and_nothing_inline_or_evaluated(db):
    policy = Client().get("/accounts/login/")[HEADER]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self' 'report-sample'",
        "style-src": "'self' 'report-sample'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        # The command board's WebSocket on this host, for browsers where 'self' does not.
        "connect-src": "'self' ws://testserver wss://testserver",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "report-uri": REPORT_URL,
    }
    assert resolve(REPORT_URL).func is csp.csp_report


def test_every_kind_of_answer_carries_the_policy(world, as_user):
    """Pages, redirects, error pages, the API, static files, the health check, the report
    endpoint itself (the matrix walks every page and API operation)."""
    anonymous, officer = Client(), as_user("district_a")
    answers = {
        "login page": anonymous.get("/accounts/login/"),
        "redirect to the login": anonymous.get("/hazards/"),
        "home page": officer.get("/"),
        "404 page": officer.get("/no-such-page/"),
        "403 page": officer.get("/audit/"),
        "refused input page": officer.get("/schools/", {"q": "\x01"}),
        "API answer": officer.get("/api/v1/me"),
        "API refusal": anonymous.get("/api/v1/me"),
        "API documentation": officer.get("/api/v1/docs"),
        "static file": anonymous.get("/static/safecampus/app.css"),
        "health check": anonymous.get("/healthz"),
        "report endpoint": anonymous.get(REPORT_URL),
    }
    statuses = {name: r.status_code for name, r in answers.items()}
    assert statuses == {
        "login page": 200,
        "redirect to the login": 302,
        "home page": 200,
        "404 page": 404,
        "403 page": 403,
        "refused input page": 400,
        "API answer": 200,
        "API refusal": 401,
        "API documentation": 200,
        "static file": 200,
        "health check": 200,
        "report endpoint": 405,
    }
    assert {name: policy_problems(r) for name, r in answers.items()} == {
        name: [] for name in answers
    }


def test_the_csrf_failure_page_is_ours_and_holds_nothing_inline(db):
    """Django's own CSRF failure page has a <style> block: 403_csrf.html replaces it."""
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "x", "password": "y"}
    )
    assert response.status_code == 403
    assert "表单未通过安全校验（CSRF），没有保存。" in response.content.decode()
    assert policy_problems(response) == []


def test_the_standalone_error_pages_hold_nothing_inline():
    assert inline_code(render_to_string("500.html")) == []
    assert inline_code(render_to_string("400_input.html", {"message": "x"})) == []


# --- nothing inline in the sources ----------------------------------------------------------


def test_the_checker_finds_each_kind_of_inline_code():
    page = "\n".join(
        [
            '<script src="/static/a.js"></script><script type="application/json" id="d">{}</script>',
            "<script>alert(1)</script>",
            "<style>p{}</style>",
            '<p class="x" style="color: red">',
            '<button onclick="go()">',
            '<a href="javascript:history.back()">',
            '<form x-data="{ open: false }">',
            '<div x-data="keyedForm" x-init="start()">',
            '<button hx-on:click="x()">',
            "<p>Text may say style=red, onclick= and javascript: freely.</p>",
        ]
    )
    kinds = [found.split(":")[0] for found in inline_code(page)]
    assert sorted(kinds) == sorted(
        [
            "an inline <script>",
            "a <style> element",
            "a style attribute",
            "an event handler attribute",
            "a javascript",
            "an inline Alpine component",
            "an Alpine x-init",
            "an htmx hx-on",
        ]
    )


def test_no_template_holds_inline_code():
    templates = sorted(SRC.glob("*/templates/**/*.html"))
    assert len(templates) > 90
    found = {
        str(t.relative_to(SRC)): problems
        for t in templates
        if (problems := inline_code(t.read_text()))
    }
    assert found == {}


def test_no_script_of_ours_writes_a_style_attribute_or_evaluates_text():
    """Element styles go through the CSSOM (element.style), never a style attribute or
    markup with one; nothing is evaluated from a string."""
    forbidden = re.compile(
        r"""setAttribute\(\s*["']style|style=|\beval\(|new Function|setTimeout\(\s*["']"""
    )
    comments = re.compile(r"/\*.*?\*/|(?:^|\s)//[^\n]*", re.DOTALL)
    scripts = [p for p in SRC.glob("*/static/**/*.js") if "vendor" not in p.parts]
    assert len(scripts) >= 7
    code = {str(p.relative_to(SRC)): comments.sub("", p.read_text()) for p in scripts}
    assert {
        name: forbidden.findall(text) for name, text in code.items() if forbidden.search(text)
    } == {}


def test_no_python_builds_html_with_a_style_attribute():
    found = [
        f"{p.relative_to(SRC)}:{n}"
        for p in SRC.rglob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"""\bstyle=\\?["']""", line)
    ]
    assert found == []


# --- the report endpoint --------------------------------------------------------------------


def test_a_violation_report_is_logged_with_no_login_and_no_csrf_token(db, caplog):
    caplog.set_level(logging.WARNING, logger="safecampus.csp")
    response = post_report({"csp-report": VIOLATION})
    assert response.status_code == 204
    assert reported(caplog) == [
        "CSP violation: directive='style-src-attr' blocked='inline' "
        "document='http://testserver/hazards/' "
        "source='http://testserver/static/safecampus/app.js' line='12' sample='color: red' "
        "disposition='enforce'"
    ]


def test_an_older_browsers_report_names_the_directive_it_violated(db, caplog):
    caplog.set_level(logging.WARNING, logger="safecampus.csp")
    report = {"violated-directive": "script-src 'self'", "blocked-uri": "eval"}
    assert post_report({"csp-report": report}).status_code == 204
    assert reported(caplog) == ["CSP violation: directive=\"script-src 'self'\" blocked='eval'"]


def test_a_reporting_api_batch_is_logged_one_violation_a_line(db, caplog):
    caplog.set_level(logging.WARNING, logger="safecampus.csp")
    body = {
        "documentURL": "http://testserver/",
        "blockedURL": "inline",
        "effectiveDirective": "script-src-elem",
        "sample": "alert(1)",
        "disposition": "enforce",
    }
    batch = [
        {"type": "csp-violation", "url": "http://testserver/", "body": body},
        {"type": "deprecation", "url": "http://testserver/", "body": {"id": "x"}},
        {"type": "csp-violation", "body": {**body, "documentURL": "http://testserver/hazards/"}},
    ]
    response = post_report(batch, content_type="application/reports+json")
    assert response.status_code == 204
    assert [line.split(" document=")[1].split(" ")[0] for line in reported(caplog)] == [
        "'http://testserver/'",
        "'http://testserver/hazards/'",
    ]


def test_a_reported_field_is_cut_short_and_cannot_forge_a_log_line(db, caplog):
    caplog.set_level(logging.WARNING, logger="safecampus.csp")
    forged = "x\n2026-01-01 00:00:00,000 WARNING safecampus.audit forged" + "y" * 1000
    response = post_report({"csp-report": {**VIOLATION, "script-sample": forged}})
    assert response.status_code == 204
    (line,) = reported(caplog)
    assert "\n" not in line and "x?2026-01-01" in line
    assert len(line) < 6 * csp.FIELD_CHARS + 200


def test_a_batch_logs_at_most_its_limit_and_counts_the_rest(db, caplog):
    caplog.set_level(logging.WARNING, logger="safecampus.csp")
    batch = [{"type": "csp-violation", "body": {"blockedURL": "inline"}}] * (csp.MAX_REPORTS + 5)
    assert post_report(batch, content_type="application/reports+json").status_code == 204
    lines = reported(caplog)
    assert len(lines) == csp.MAX_REPORTS + 1
    assert lines[-1] == "CSP violation: 5 more in the same report"


def test_a_body_over_the_limit_is_refused_and_its_length_checked_before_reading(db, caplog):
    caplog.set_level(logging.WARNING, logger="safecampus.csp")
    padded = {"csp-report": {**VIOLATION, "script-sample": "x" * csp.MAX_REPORT_BYTES}}
    assert post_report(padded).status_code == 413
    # A declared length over the limit is refused unread: the body is two bytes, reading
    # the declared length would fail.
    assert post_report(b"{}", CONTENT_LENGTH=str(10 * csp.MAX_REPORT_BYTES)).status_code == 413
    assert reported(caplog) == []


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ({"csp-report": VIOLATION}, "text/plain", 415),
        ("not json", "application/csp-report", 400),
        (b"\xff\xfe", "application/csp-report", 400),
        ({"something": "else"}, "application/csp-report", 400),
        ([1, 2], "application/reports+json", 400),
        ("[" * 5000 + "]" * 5000, "application/reports+json", 400),
        ([], "application/reports+json", 204),
    ],
)
def test_what_is_not_a_report_is_refused_and_logs_nothing(db, caplog, body, content_type, status):
    caplog.set_level(logging.WARNING, logger="safecampus.csp")
    assert post_report(body, content_type=content_type).status_code == status
    assert reported(caplog) == []


def test_only_post_is_accepted(db):
    assert Client().get(REPORT_URL).status_code == 405
    assert Client().put(REPORT_URL, "{}", content_type="application/csp-report").status_code == 405


def test_a_report_from_a_session_whose_password_must_change_is_not_redirected(world, caplog):
    """The change-password page's own reports must reach the endpoint."""
    caplog.set_level(logging.WARNING, logger="safecampus.csp")
    user = world.users["principal_a1"]
    user.password_changed_at = None
    user.save(update_fields=["password_changed_at"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/").status_code == 302  # the rule is on: pages send it to the change
    assert post_report({"csp-report": VIOLATION}, client=client).status_code == 204
    assert len(reported(caplog)) == 1


def test_the_policy_is_in_the_settings_once():
    """One policy, enforced; no report-only policy beside it."""
    assert set(settings.CONTENT_SECURITY_POLICY) == {"DIRECTIVES"}
    assert getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) is None
