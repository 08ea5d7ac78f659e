"""Fan-out: from facts and the people who should hear of them to notices, in one pass.

Every producer (scoring verdicts and digest, nudges, idle and stranded reminders, ladder
decisions) calls `fan_out`. Readers are grouped by station once, so the work is linear in
readers plus notices, never stations × readers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from bot.domain.notices import Notice

Fact = TypeVar("Fact")


class Reader(Protocol):
    """Who may receive a notice: a person, and the station they keep (None for staff)."""

    @property
    def person_id(self) -> int: ...
    @property
    def station_id(self) -> int | None: ...


def fan_out(
    facts: Iterable[Fact],
    readers: Iterable[Reader],
    notice: Callable[[Fact, int], Notice],
    *,
    station: Callable[[Fact], int] | None = None,
) -> list[Notice]:
    """One notice per (fact, reader): `notice(fact, person_id)`.

    With `station`, a fact reaches only the readers keeping that station (a keeper's
    verdict); without it, every reader (staff's digest)."""
    readers = list(readers)
    if station is None:
        return [notice(fact, r.person_id) for fact in facts for r in readers]
    by_station: dict[int, list[int]] = {}
    for r in readers:
        if r.station_id is not None:
            by_station.setdefault(r.station_id, []).append(r.person_id)
    return [notice(fact, person) for fact in facts for person in by_station.get(station(fact), ())]
