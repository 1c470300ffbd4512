"""Sets the acting user and client address for everything a web request writes."""

import uuid

from .context import acting_as, actor_for_user


def client_ip(request) -> str | None:
    # REMOTE_ADDR only. Behind a reverse proxy, uvicorn rewrites it from X-Forwarded-For for the
    # proxies listed in FORWARDED_ALLOW_IPS (docs/operations.md); the header is never read here.
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = str(uuid.uuid4())
        channel = "api" if request.path.startswith("/api/") else "web"
        with acting_as(
            actor_for_user(
                request.user, channel=channel, ip=client_ip(request), request_id=request.request_id
            )
        ):
            return self.get_response(request)
