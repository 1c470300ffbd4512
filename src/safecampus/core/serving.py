"""Checks before the ASGI server starts (`safecampus serve`, `safecampus demo`)."""

import errno
import socket

from django.core.management.base import CommandError


def address_check(host: str, port: int) -> None:
    """Refuse, in words and before anything starts, an address the server could not listen on
    (uvicorn would only log the socket error in English and exit)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError, OverflowError) as exc:
        raise CommandError(f"无法使用监听地址 {host}:{port}：{exc}") from None
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: a port whose last connections are still closing counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"端口 {port} 已被占用（{host}）：请先停止占用它的程序，或用 --port 换一个端口"
                ) from None
            raise CommandError(f"无法监听 {host}:{port}：{exc.strerror or exc}") from None
