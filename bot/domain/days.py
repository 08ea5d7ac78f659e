"""The day an entry happened, as a keeper adds it to a line: 昨天, 前天, 11-23, 11月23日,
2026-11-23 (`售 脆李 20斤 400 昨天`). Relative words are resolved against today in the
county's zone, by the service (the parser does not know the date)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.domain.errors import InvalidInput
from bot.domain.text import N_

RELATIVE = {
    **dict.fromkeys(("今天", "今日", "today"), 0),
    **dict.fromkeys(("昨天", "昨日", "yesterday"), 1),
    **dict.fromkeys(("前天",), 2),
}
_FULL = re.compile(r"([0-9]{4})[-/年]([0-9]{1,2})[-/月]([0-9]{1,2})[日号]?")
_SHORT = re.compile(r"([0-9]{1,2})(?:[-/]|月)([0-9]{1,2})[日号]?")
DAY_INVALID = N_("“{value}” is not a date. Write 昨天, 前天, 11-23 or 2026-11-23.")


@dataclass(frozen=True)
class DayRef:
    """`days_ago` for 今天/昨天/前天; otherwise a calendar day, its year optional."""

    days_ago: int | None = None
    year: int | None = None
    month: int = 0
    day: int = 0

    def resolve(self, today: date) -> date:
        """The calendar day meant, seen from `today`: 11-23 is the latest 23 November
        not after today."""
        if self.days_ago is not None:
            return date.fromordinal(today.toordinal() - self.days_ago)
        shown = f"{self.year}-{self.month}-{self.day}" if self.year else f"{self.month}-{self.day}"
        try:
            if self.year is not None:
                return date(self.year, self.month, self.day)
            meant = date(today.year, self.month, self.day)
            return meant if meant <= today else date(today.year - 1, self.month, self.day)
        except ValueError:
            raise InvalidInput(DAY_INVALID, value=shown) from None


def parse_day_word(word: str) -> DayRef | None:
    """The day `word` names, or None when it names none."""
    lowered = word.lower()
    if lowered in RELATIVE:
        return DayRef(days_ago=RELATIVE[lowered])
    if match := _FULL.fullmatch(word):
        year, month, day = (int(g) for g in match.groups())
        return DayRef(year=year, month=month, day=day)
    if match := _SHORT.fullmatch(word):
        month, day = (int(g) for g in match.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            return DayRef(month=month, day=day)
    return None
