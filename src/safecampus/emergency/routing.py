from django.urls import path

from .consumers import BoardConsumer

websocket_urlpatterns = [path("ws/emergency/board/", BoardConsumer.as_asgi())]
