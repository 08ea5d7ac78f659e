"""The WeChat front end's one request-key function.

A message is named by our account and its dedup key (MsgId, or sender + time for an
event), so WeChat's retries of one delivery find what the first attempt wrote; a form is
named by the session's nonce, a confirmation by the message that asked for it."""

from __future__ import annotations

PREFIX = "wx"


def request_key(*parts: object) -> str:
    return ":".join([PREFIX, *(str(part) for part in parts)])
