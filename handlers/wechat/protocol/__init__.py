"""The Official Account protocol subset Cunzhan needs (see docs in ../../README.md, WeChat).

Pure functions over bytes and strings; the published vectors are its unit tests
(tests/wechat/test_protocol.py)."""

from handlers.wechat.protocol.cipher import AppIdMismatch, MessageCipher
from handlers.wechat.protocol.messages import (
    BadMessage,
    Inbound,
    encrypted_envelope,
    parse_envelope,
    parse_message,
    text_reply,
)
from handlers.wechat.protocol.signing import BadSignature, check_fresh, sign, verify

__all__ = [
    "AppIdMismatch",
    "BadMessage",
    "BadSignature",
    "Inbound",
    "MessageCipher",
    "check_fresh",
    "encrypted_envelope",
    "parse_envelope",
    "parse_message",
    "sign",
    "text_reply",
    "verify",
]
