"""What a refused or failed request leaves in the log: a 403 (any 4xx) is one line (method, path,
user, status) without a traceback; a 500 keeps its full traceback."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from django.test import Client, RequestFactory
from django.urls import include, path
from django.utils.log import log_response

from .factories import api_token


def _boom(request):
    raise RuntimeError("boom for the log test")


# This module is also the URLconf of the 500 test: the platform's pages plus one that fails.
urlpatterns = [path("boom/", _boom), path("", include("safecampus.config.urls"))]


def _request_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request"]


def test_a_refused_page_logs_one_line_without_a_traceback(world, as_user, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    response = as_user("staff_a1").get("/emergency/board/")
    assert response.status_code == 403
    (record,) = _request_records(caplog)
    line = record.getMessage()
    assert line == "拒绝访问：GET /emergency/board/（用户 staff_a1）→ 403"
    assert record.exc_info is None and record.exc_text is None
    assert "Traceback" not in caplog.text and "PermissionDenied" not in caplog.text


def test_a_refused_api_call_logs_one_line_with_the_tokens_user(world, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    token = api_token(world.users["auditor"])
    response = Client().get("/api/v1/schools", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    (record,) = _request_records(caplog)
    assert record.getMessage() == "拒绝访问：GET /api/v1/schools（用户 auditor）→ 403"
    assert record.exc_info is None


def test_a_missing_page_is_one_line_too(world, as_user, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    assert as_user("staff_a1").get("/no-such-page/").status_code == 404
    (record,) = _request_records(caplog)
    assert record.getMessage() == "未找到：GET /no-such-page/（用户 staff_a1）→ 404"


def test_a_refused_path_with_a_line_break_stays_on_one_line(world, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    request = RequestFactory().get("/schools/1%0Aforged line/")
    request.user = world.users["staff_a1"]
    log_response(
        "Forbidden (Permission denied): %s",
        request.path,
        response=HttpResponseForbidden(),
        request=request,
        exception=PermissionDenied(),
    )
    (record,) = _request_records(caplog)
    assert record.getMessage() == "拒绝访问：GET /schools/1\\nforged line/（用户 staff_a1）→ 403"


@pytest.mark.urls("tests.test_request_logging")
def test_a_server_error_still_logs_its_traceback(world, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    client = Client(raise_request_exception=False)
    client.force_login(world.users["staff_a1"])
    assert client.get("/boom/").status_code == 500
    (record,) = _request_records(caplog)
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "Traceback" in caplog.text and "boom for the log test" in caplog.text
