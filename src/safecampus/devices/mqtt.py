"""The MQTT connection (paho-mqtt 2.x) from `MQTT_URL`, and the topic layout (docs/devices.md):

    safecampus/<school code>/<device id>/<message type>      e.g. …/3706020001/37060200051320000001/status

The message type is the last level: `status` (heartbeats and faults, QoS 0) and `alarm`
(one-button alarm presses, QoS 1; emergency/intake.py). The first level is `safecampus`; an
ingestor can be given another (`topic_prefix`), so that deployments or test runs sharing a broker
do not hear each other's devices.
"""

import os
import socket
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

PREFIX = "safecampus"


class Client(paho.Client):
    """A paho client that knows its broker's address, from the URL (for `connect()`)."""

    safecampus_address: tuple[str, int]


def topic(
    school_code: str, device_id: str, message_type: str = "status", *, prefix: str = PREFIX
) -> str:
    return f"{prefix}/{school_code}/{device_id}/{message_type}"


def check_prefix(prefix: str) -> str:
    """A topic prefix is one topic level: no `/` and no wildcard."""
    if not prefix or any(c in prefix for c in "/+#\0"):
        raise ValueError(f"an MQTT topic prefix is one level without / + #, not {prefix!r}")
    return prefix


def client(url: str, client_id: str, *, clean_session: bool = True) -> Client:
    """A paho client for `mqtt://[user:password@]host[:port]` (or `mqtts://` with TLS), not yet
    connected. How a device authenticates to the broker is the broker's business
    (operations.md); the platform's own clients use the credentials in the URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"MQTT_URL must start with mqtt:// or mqtts://, not {parts.scheme}://")
    c = Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=paho.MQTTv311,
        clean_session=clean_session,
    )
    if parts.username:
        c.username_pw_set(unquote(parts.username), unquote(parts.password or "") or None)
    if parts.scheme in ("mqtts", "ssl"):
        c.tls_set()
    # Reconnect by itself when the broker restarts: 1 s, doubling up to 30 s.
    c.reconnect_delay_set(min_delay=1, max_delay=30)
    c.safecampus_address = (
        parts.hostname or "127.0.0.1",
        parts.port or (8883 if parts.scheme in ("mqtts", "ssl") else 1883),
    )
    return c


def client_id(role: str) -> str:
    return f"safecampus-{role}-{socket.gethostname()}-{os.getpid()}"
