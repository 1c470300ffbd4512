"""ASGI entry point: HTTP through Django, WebSocket for the command boards (Channels)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecampus.config.settings.base")

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi = get_asgi_application()

from safecampus.core.heap import freeze_after_startup  # noqa: E402
from safecampus.emergency.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi,
        # Session cookie auth, and only from pages of this site (no cross-site WebSocket).
        "websocket": AllowedHostsOriginValidator(
            # channels' stubs take their own kind of URL pattern (a consumer as its view),
            # which django.urls.path does not say it returns.
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))  # type: ignore[arg-type]
        ),
    }
)

freeze_after_startup()
