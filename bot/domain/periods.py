"""Months as the county sees them. Instants are UTC; a month is computed in the county's
time zone, so 23:30 on 31 October in Beijing (15:30 UTC) belongs to October."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.clock import require_utc

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def parse(cls, text: str) -> Period:
        match = PERIOD_RE.match(text.strip())
        if not match:
            raise ValueError(f"not a month: {text!r} (write YYYY-MM)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, instant: datetime, timezone: str) -> Period:
        local = require_utc(instant).astimezone(ZoneInfo(timezone))
        return cls(local.year, local.month)

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def days(self) -> int:
        return (self.next().first_day() - self.first_day()).days

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[start, end) of the month as UTC instants."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.first_day(), datetime.min.time(), zone)
        end = datetime.combine(self.next().first_day(), datetime.min.time(), zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def days_left(self, instant: datetime, timezone: str) -> int:
        """Whole days after today until the month ends (0 on its last day)."""
        today = require_utc(instant).astimezone(ZoneInfo(timezone)).date()
        last = self.next().first_day() - timedelta(days=1)
        return max(0, (last - today).days)
