"""Phone numbers as keepers type them: the last four digits, or a full mainland mobile.

The full number exists only to be hashed (`privacy.phone_hash`): it is never stored,
logged or shown. Store the last four digits and the keyed hash.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot.domain.errors import InvalidInput
from bot.domain.text import N_

PHONE_INVALID = N_(
    "Type the phone's last 4 digits or the full 11-digit mobile number, "
    "for example 1234 or 138 1234 5678."
)
MOBILE = re.compile(r"1[3-9][0-9]{9}")
_MASKED = re.compile(r"(?:1[3-9][0-9])?\*+([0-9]{4})")


@dataclass(frozen=True)
class PhoneInput:
    """A phone as typed: the last four digits only, or a full mainland mobile number.

    `full` (11 digits, no +86) exists only for hashing (`privacy.phone_hash`): it must
    never be stored, logged or shown. Store `last4` and the keyed hash instead.
    """

    full: str | None = field(default=None, repr=False)
    last4_only: str | None = None

    def __post_init__(self) -> None:
        if (self.full is None) == (self.last4_only is None):
            raise ValueError("give exactly one of full and last4_only")
        if self.full is not None and not MOBILE.fullmatch(self.full):
            raise ValueError("not an 11-digit mainland mobile number")
        if self.last4_only is not None and not re.fullmatch(r"[0-9]{4}", self.last4_only):
            raise ValueError("last4_only must be 4 digits")

    @property
    def last4(self) -> str:
        if self.full is not None:
            return self.full[-4:]
        assert self.last4_only is not None
        return self.last4_only

    @property
    def is_full(self) -> bool:
        return self.full is not None


def parse_phone(text: str) -> PhoneInput:
    """`1234`, `尾号1234`, `138****5678`, `13812345678`, `+86 138-1234-5678` → `PhoneInput`."""
    value = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", text))
    value = value.removeprefix("尾号")
    if re.fullmatch(r"[0-9]{4}", value):
        return PhoneInput(last4_only=value)
    if masked := _MASKED.fullmatch(value):
        return PhoneInput(last4_only=masked.group(1))
    for prefix in ("+86", "0086", "86"):
        if value.startswith(prefix) and len(value) == len(prefix) + 11:
            value = value[len(prefix) :]
            break
    if MOBILE.fullmatch(value):
        return PhoneInput(full=value)
    raise InvalidInput(PHONE_INVALID)
