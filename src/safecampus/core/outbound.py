"""Every HTTP request the platform makes to an address someone configured (webhooks, group
robots, the SMS provider) goes through `request()`: the one place that decides which
addresses the server may reach.

Why: a district officer types a webhook address and presses "test"; without this the server
would POST to 127.0.0.1:6379, the cloud's metadata service (169.254.169.254) or any host of the
internal network and report what answered. So:

- the host name is resolved **once**; every address it resolves to must be public
  (`ipaddress`'s `is_global`, and not multicast), unless it lies in a network the operator
  allows (`settings.SAFECAMPUS_OUTBOUND_ALLOW`, env `SAFECAMPUS_OUTBOUND_ALLOW`, CIDRs
  separated by commas: the floor) or the security administrator added (the networks stored by
  `accounts`, which installs the lookup with `extra_networks_from`: core knows no app); IPv4 inside IPv6 (mapped `::ffff:a.b.c.d`, 6to4, NAT64
  `64:ff9b::/96`, Teredo) is judged by the IPv4 address it carries;
- the connection is made to that checked address (pinned; HTTPS still verifies the
  certificate against the host name) and the peer address of the socket is checked again
  after connecting — a DNS answer that changes between the check and the connect (rebinding)
  reaches nothing new;
- no redirect is followed: a 3xx answer is a failure with its reason;
- the body of an answer other than 2xx is never returned to the caller (who shows errors to
  users): the error holds the status and a Chinese reason; at most a short excerpt is logged;
- no HTTP proxy from the environment is used (a proxy would hide the address connected to).
"""

import http.client
import ipaddress
import logging
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger("safecampus.outbound")

USER_AGENT = "SafeCampus/1.0"
# Bytes of a successful answer read at most (robots and the SMS provider answer a small JSON).
MAX_ANSWER_BYTES = 1_000_000
# Bytes of a refused answer written to the log, for the operator (never shown to users).
LOG_EXCERPT_BYTES = 120

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundError(Exception):
    """A request that did not get a 2xx answer; `str()` is a reason for the user (Chinese, no
    byte of the remote answer). `permanent`: trying again cannot help (the address is refused,
    a redirect)."""

    def __init__(self, reason: str, *, permanent: bool = False, status: int | None = None):
        super().__init__(reason)
        self.permanent = permanent
        self.status = status


class AddressRefused(OutboundError):
    """The address is loopback, private, link-local, multicast, reserved or cloud metadata."""

    def __init__(self, reason: str):
        super().__init__(reason, permanent=True)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


# --- Which addresses -------------------------------------------------------------------------


_extra_networks: list[Callable[[], Iterable[str]]] = []


def extra_networks_from(lookup: Callable[[], Iterable[str]]) -> None:
    """Install the lookup of the networks allowed beyond the settings (at start-up)."""
    _extra_networks[:] = [lookup]


def allowed_networks() -> list[IPNetwork]:
    """The networks outgoing requests may reach although they are not public: the operator's
    (settings) and the security administrator's."""
    names = list(getattr(settings, "SAFECAMPUS_OUTBOUND_ALLOW", ()))
    for lookup in _extra_networks:
        names += lookup()
    return [ipaddress.ip_network(n, strict=False) for n in names]


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(ip: IPAddress, allowed: Iterable[IPNetwork] | None = None) -> str | None:
    """Why `ip` may not be reached (Chinese), or None when it may."""
    networks = list(allowed_networks() if allowed is None else allowed)
    if any(ip.version == n.version and ip in n for n in networks):
        return None
    judged: IPAddress = ip
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _carried_ipv4(ip)) is not None:
        if any(n.version == 4 and inner in n for n in networks):
            return None
        judged = inner
    if judged.is_loopback:
        return f"地址 {ip} 是本机地址（回环），不允许推送"
    if judged.is_link_local:
        return f"地址 {ip} 是链路本地或云平台元数据地址，不允许推送"
    if judged.is_multicast:
        return f"地址 {ip} 是组播地址，不允许推送"
    if not judged.is_global:
        return f"地址 {ip} 是内网或保留地址，不允许推送（如确需推送到内网，请安全管理员在外联白名单中放行该网段）"
    return None


def literal_address_refusal(url: str) -> str | None:
    """When the URL's host is an IP address (or `localhost`) that may not be reached, why — a
    check for the form that takes the address; names are resolved and checked at send time."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        host = "127.0.0.1"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    return address_refusal(ip)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of `host` (resolved once), all of them allowed, or AddressRefused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundError(f"无法解析主机名 {host}：{exc.args[-1] if exc.args else exc}") from None
    addresses: list[IPAddress] = []
    for *_rest, sockaddr in infos:
        # An IPv6 sockaddr may carry a zone ("fe80::1%eth0"): the address is before the "%".
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    networks = allowed_networks()
    # One refused address refuses the name: a name that points inside as well as outside is
    # not a name for a webhook.
    for ip in addresses:
        if (reason := address_refusal(ip, networks)) is not None:
            raise AddressRefused(f"{host} 解析到的{reason}" if str(ip) != host else reason)
    if not addresses:
        raise OutboundError(f"无法解析主机名 {host}")
    return addresses


def _connect(addresses: list[IPAddress], port: int, timeout: float | None) -> socket.socket:
    """A socket connected to one of the checked addresses, whose peer is checked again."""
    last: OSError | None = None
    for ip in addresses:
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect((str(ip), port))
        except OSError as exc:
            sock.close()
            last = exc
            continue
        peer = ipaddress.ip_address(str(sock.getpeername()[0]).split("%", 1)[0])
        if peer != ip or (reason := address_refusal(peer)) is not None:
            sock.close()
            raise AddressRefused(reason or f"连接到了未经检查的地址 {peer}")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise last or OSError("no address")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to checked addresses only, whatever the host name resolves to by
    the time it connects."""

    def __init__(self, host: str, port: int, *, addresses: list[IPAddress], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, addresses: list[IPAddress], timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        sock = _connect(self.addresses, self.port, self.timeout)
        # The certificate is checked against the host name, not the address connected to.
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


# --- The request -----------------------------------------------------------------------------


def _reason(status: int) -> str:
    if 300 <= status < 400:
        return "对方要求重定向，平台不跟随重定向：请填写最终地址"
    if status in (401, 403):
        return "对方拒绝了请求（认证或权限），请检查地址中的令牌或密钥"
    if status == 404:
        return "对方没有这个地址，请检查路径"
    if status == 429:
        return "对方限流，稍后重试"
    if 400 <= status < 500:
        return "对方不接受请求，请检查地址与配置"
    if status >= 500:
        return "对方服务器出错"
    return "对方的应答不是成功"


def check_url(url: str) -> None:
    """Raise OutboundError (permanent) unless `url` is an http(s) address with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError("地址须以 http:// 或 https:// 开头", permanent=True)
    try:
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError:
        raise OutboundError("地址中的端口无效", permanent=True) from None


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5,
) -> Answer:
    """Send one request to `url` and answer its 2xx status and body; anything else (a refused
    address, no connection, a redirect, a non-2xx status) raises OutboundError."""
    check_url(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, addresses=addresses, timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    try:
        connection.request(
            method, target, body=body, headers={"User-Agent": USER_AGENT, **(headers or {})}
        )
        response = connection.getresponse()
        status = response.status
        if 200 <= status < 300:
            return Answer(status, response.read(MAX_ANSWER_BYTES))
        excerpt = response.read(LOG_EXCERPT_BYTES)
    except OutboundError:
        raise
    except ssl.SSLError as exc:
        raise OutboundError(f"TLS 握手失败：{exc.reason or type(exc).__name__}") from None
    except TimeoutError:
        raise OutboundError("连接超时") from None
    except OSError as exc:
        raise OutboundError(f"连接失败：{exc.strerror or type(exc).__name__}") from None
    except http.client.HTTPException as exc:
        # The other side is not speaking HTTP (a database, a mail server …).
        raise OutboundError(f"对方的应答不是 HTTP（{type(exc).__name__}）") from None
    finally:
        connection.close()
    logger.warning("outbound %s %s answered %s: %r", method, _safe(url), status, excerpt)
    raise OutboundError(
        f"HTTP {status}：{_reason(status)}", permanent=300 <= status < 400, status=status
    )


def _safe(url: str) -> str:
    """The URL for the log: scheme, host, port and path (query strings carry robot tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"
