from django.urls import path

from .consumers import BoardConsumer

websocket_urlpatterns = [
    # channels' URLRouter takes Django's path() with an ASGI application; django-stubs types
    # path() for views only.
    path("ws/emergency/board/", BoardConsumer.as_asgi()),  # type: ignore[arg-type]
]
