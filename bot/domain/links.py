"""One-time codes that link a second channel (WeChat, Telegram) to a person.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
`ABCD-EFGH`: 40 random bits, typed by hand on a phone, single-use and valid for ten
minutes, so guessing one is hopeless. Only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
LINK_TTL = timedelta(minutes=10)
_SHAPE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_link_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_link_code(text: str) -> str | None:
    """The code in what was typed (any case, with or without the dash or spaces; full-width
    characters folded), or None when it cannot be one."""
    folded = text.strip().translate({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
    raw = re.sub(r"[\s\-－]", "", folded).upper()
    return f"{raw[:4]}-{raw[4:]}" if _SHAPE.fullmatch(raw) else None


def hash_link_code(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class LinkCodeRecord:
    person_id: int
    expires_at: datetime
    used_at: datetime | None
