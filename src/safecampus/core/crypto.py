"""The platform's cryptography, behind one interface (密评, GB/T 39786-2021): HMAC-SM3 for the
integrity of stored records now, SM4 for confidential fields later. Callers use only these
functions, so that a certified cryptographic module can replace the software one (the
`cryptography` package, i.e. OpenSSL) by reimplementing this module alone.

Keys are random bytes kept in files readable by the service account only (0600), never in the
database: whoever can change the records must not also hold the key that seals them."""

import hmac as stdlib_hmac
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

KEY_BYTES = 32
MAC_BYTES = 32  # SM3 digests are 256 bits


class KeyFileError(Exception):
    """A key file is missing, unreadable or not a key."""


def mac(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 of data under key (GB/T 32905 SM3, RFC 2104 HMAC)."""
    h = crypto_hmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize()


def mac_equal(a: bytes, b: bytes) -> bool:
    """Compare two MACs in constant time."""
    return stdlib_hmac.compare_digest(a, b)


def key_load(path: Path | str) -> bytes:
    """The key in a key file (hex text, as written by key_create)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise KeyFileError(f"密钥文件不存在：{path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"密钥文件无法读取：{path}（{exc}）") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise KeyFileError(f"密钥文件内容不是十六进制密钥：{path}") from None
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"密钥长度应为 {KEY_BYTES} 字节：{path}")
    return key


def key_create(path: Path | str) -> bool:
    """Create a key file with a new random key, readable by its owner only (0600). Answers
    False, and leaves the file alone, when it exists already: a replaced key would make every
    record sealed under the old one look forged."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once cannot both write a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(KEY_BYTES) + "\n")
    return True
