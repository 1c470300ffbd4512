"""ASGI entry point: HTTP through Django; WebSocket routes join here as apps add them."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecampus.config.settings.base")

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi = get_asgi_application()

application = ProtocolTypeRouter({"http": django_asgi})
