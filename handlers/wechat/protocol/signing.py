"""Request signatures: SHA-1 over the sorted strings, compared in constant time, and the
timestamp window that makes a captured request useless after a few minutes."""

from __future__ import annotations

import hashlib
import hmac


class BadSignature(Exception):
    """A signature that does not match, or a timestamp outside the window."""


def sign(*parts: str) -> str:
    """`sha1("".join(sorted(parts)))` as hex: the plain signature is over (token,
    timestamp, nonce), the safe-mode one adds the Encrypt text."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def verify(signature: str, *parts: str) -> None:
    expected = sign(*parts)
    # compare_digest wants ASCII str or bytes; a non-ASCII forgery is simply wrong.
    if not hmac.compare_digest(expected.encode(), (signature or "").encode()):
        raise BadSignature("signature does not match")


def check_fresh(timestamp: str, now: float, window: float) -> int:
    """The request's time, if it is within `window` seconds of now (either way: clocks
    drift); a replayed capture older than that is refused even with a valid signature."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        raise BadSignature("timestamp is not a number") from None
    if abs(now - sent) > window:
        raise BadSignature(f"timestamp {sent} outside the {window:.0f} s window")
    return sent
