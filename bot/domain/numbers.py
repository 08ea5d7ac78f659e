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
