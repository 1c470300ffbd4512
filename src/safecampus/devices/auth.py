"""Authentication of devices (not people) on the API: the HTTP status batch here and the
alarm intake of the emergency app."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from . import services
from .models import DeviceToken


class DeviceTokenAuth(HttpBearer):
    """Authorization: Bearer scd_… — a device token, not a person's."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> DeviceToken | None:
        return services.device_token_check(token)
