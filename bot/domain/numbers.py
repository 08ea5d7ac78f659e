"""Whole numbers typed after a command (`/history 12`, `/void 12 …`, hours, pages).

`str.isdigit()` is the wrong test for them: it accepts `²`, `①` and other digits that
`int()` refuses (the handler crashed), and a twenty-digit number passes `int()` but
overflows the database's 64-bit integer (the query crashed). Both meant no answer at all
in polling mode and an HTTP 500 on every webhook redelivery. Every front end parses such
numbers here, so each gets the same clear answer instead.

Full-width digits (１２, from a Chinese keyboard) are read as ASCII digits. Superscripts,
circled digits and other look-alikes are refused rather than read: `/void ² 原因` should
ask again, not void entry #2.
"""

from __future__ import annotations

import re

from bot.domain.errors import InvalidInput

# The database's BIGINT; also keeps `int()` well away from its 4300-digit limit.
MAX_ID = 2**63 - 1
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＃", "0123456789#")
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_whole_number(raw: str, usage: str, *, low: int = 1, high: int = MAX_ID) -> int:
    """`raw` as an int in [low, high], else InvalidInput(usage).

    `usage` is the front end's own message saying what to type instead (it names the
    front end's commands, which the core must not). It may use `{value}`, which is what
    the user typed, shortened. A leading `#` is allowed (`#12`, as entry lines show it).
    """
    text = raw.strip().translate(_FULL_WIDTH).removeprefix("#")
    if _ASCII_DIGITS.fullmatch(text):
        number = int(text)
        if low <= number <= high:
            return number
    raise InvalidInput(usage, value=raw.strip()[:20])


def numbered_choice(reply: str, count: int) -> int | None:
    """The 0-based index a reply such as `2` (or `２`, `2.`) picks among `count` numbered
    options, or None when the reply is not one of their numbers: a text channel's answer
    to a question with choices, or to a notice with actions."""
    text = reply.strip().translate(_FULL_WIDTH).rstrip(".。、")
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number - 1 if 1 <= number <= count else None


def within_id_range(value: int) -> bool:
    """Ids that reach the database (from button data too) must fit its BIGINT."""
    return 0 < value <= MAX_ID
