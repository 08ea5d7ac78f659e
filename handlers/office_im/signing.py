"""DingTalk custom robots' request signature ("加签").

    sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))

with `timestamp` in milliseconds; DingTalk refuses a signature more than an hour old.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus


def dingtalk_signature(secret: str, timestamp_ms: int) -> str:
    """The base64 signature, before URL encoding."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def dingtalk_query(access_token: str, secret: str | None, timestamp_ms: int) -> str:
    """The query string of a signed send (already URL-encoded; a robot without a signing
    secret, secured by keywords or an IP list instead, gets only its token)."""
    query = f"access_token={quote_plus(access_token)}"
    if secret:
        sign = quote_plus(dingtalk_signature(secret, timestamp_ms))
        query += f"&timestamp={timestamp_ms}&sign={sign}"
    return query
