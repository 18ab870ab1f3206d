"""Per-response masking of the session's CSRF secret, so that pages can be compressed.

A compressed page that carries a fixed secret next to text a request can choose leaks the
secret to whoever can make a victim's browser send many such requests and watch the sizes
(BREACH). Each rendered page therefore carries mask(secret) = base64url(pad || pad XOR secret)
with a fresh random pad: the bytes differ on every response, so compression has nothing fixed
to match against, and the server recovers the secret by XOR-ing the halves back (as Django does).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def mask(secret: str) -> str:
    """`secret` hidden under a fresh random pad: a different token on every call."""
    raw = secret.encode()
    pad = secrets.token_bytes(len(raw))
    return base64.urlsafe_b64encode(pad + _xor(pad, raw)).decode().rstrip("=")


def unmask(token: str) -> str | None:
    """The secret a `mask`ed token hides; None when `token` is not a well-formed masked token."""
    try:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        if not data or len(data) % 2:
            return None
        half = len(data) // 2
        return _xor(data[:half], data[half:]).decode()
    except (binascii.Error, ValueError):  # not base64, or not text once unmasked
        return None


def matches(sent: str, secret: str) -> bool:
    """Whether a token sent with a request proves knowledge of the session's `secret`: a masked
    token (what pages carry) or the bare secret (which no page shows any more, accepted like
    Django does for clients that kept it)."""
    if hmac.compare_digest(sent.encode(), secret.encode()):
        return True
    found = unmask(sent)
    return found is not None and hmac.compare_digest(found.encode(), secret.encode())
