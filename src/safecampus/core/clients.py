"""Who is asking: the client's address, read one way by the audit trail, the login lockout
(django-axes) and the rate limits."""

import ipaddress

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only. Behind a reverse proxy, uvicorn rewrites it from X-Forwarded-For for the
    # proxies listed in FORWARDED_ALLOW_IPS (docs/operations.md §4); the header is never read
    # here, so a client cannot pick its address by sending one.
    return request.META.get("REMOTE_ADDR") or None


def client_network(request: HttpRequest) -> str:
    """The address a rate limit counts under: an IPv4 address, or the /64 of an IPv6 one (a
    single household or school network is given a whole /64 and can use any address in it)."""
    ip = client_ip(request) or "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
