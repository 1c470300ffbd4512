"""Sets the acting user and client address for everything a web request writes."""

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from safecampus.core.clients import client_ip

from .context import acting_as, actor_for_user


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        # Kept on the request too, for whatever handles it further down.
        setattr(request, "request_id", request_id)  # noqa: B010 - not an attribute of HttpRequest
        channel = "api" if request.path.startswith("/api/") else "web"
        with acting_as(
            actor_for_user(
                request.user, channel=channel, ip=client_ip(request), request_id=request_id
            )
        ):
            return self.get_response(request)
