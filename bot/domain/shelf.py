"""Searching the shelf as a keeper types it: `查 1234` (the phone's last four, or the
full number), `查 A-027` (a pickup code), `查 张三` (part of the recipient's name)."""

from __future__ import annotations

import re

from bot.domain.commands import FindParcels
from bot.domain.errors import InvalidInput
from bot.domain.one_line import MAX_NAME, normalise, parse_pickup_code
from bot.domain.phones import parse_phone
from bot.domain.text import N_

SEARCH_PATTERN = N_(
    "Write it like: 查 1234 (the phone's last 4 digits), 查 A-027 (the pickup code) "
    "or 查 张三 (the recipient's name)."
)
_CODE_LIKE = re.compile(r"[A-Za-z]\s*-?\s*[0-9]{1,4}")


def parse_search(text: str) -> FindParcels:
    value = normalise(text)
    if not value:
        raise InvalidInput(SEARCH_PATTERN)
    digits = re.sub(r"[\s\-()+*]", "", value).removeprefix("尾号")
    if digits.isdigit():
        try:
            return FindParcels(phone_last4=parse_phone(value).last4)
        except InvalidInput:
            raise InvalidInput(SEARCH_PATTERN) from None
    if _CODE_LIKE.fullmatch(value):
        return FindParcels(pickup_code=parse_pickup_code(value))
    if any(ch.isdigit() for ch in value) or len(value) > MAX_NAME:
        raise InvalidInput(SEARCH_PATTERN)
    return FindParcels(name=value)
