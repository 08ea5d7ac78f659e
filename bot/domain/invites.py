"""Invite tokens: the secret inside an onboarding QR code and its deep link.

A token is `i_` plus 32 URL-safe base64 characters = 192 random bits, 34 characters in all,
inside Telegram's deep-link rule (≤ 64 of A-Za-z0-9_-). Only a SHA-256 hash of the token is
stored, so a copy of the database grants nobody anything. The `i_` prefix lets the /start
handler tell an invite from the other deep-link payloads the notice-board QR codes will add.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.domain.roles import Role, Scope

INVITE_PREFIX = "i_"
_RANDOM_BYTES = 24  # 192 bits ≥ the 128 the threat model asks for
TOKEN_RE = re.compile(r"^i_[A-Za-z0-9_-]{32}$")
DEEP_LINK_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def new_token() -> str:
    token = INVITE_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)
    assert TOKEN_RE.match(token) and DEEP_LINK_RE.match(token)
    return token


def looks_like_invite(payload: str) -> bool:
    return payload.startswith(INVITE_PREFIX)


def is_well_formed(token: str) -> bool:
    return bool(TOKEN_RE.match(token))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class InviteRecord:
    id: int
    role: Role
    scope: Scope
    created_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None
    redeemed_by: int | None
    scope_label: str  # station / township / county name, for the greeting

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at
