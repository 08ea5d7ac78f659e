"""What use cases need besides their command, actor and unit of work: the clock and the
secrets the composition root holds. One value, built once in `bot.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.domain.clock import Clock
from bot.domain.privacy import phone_hash


@dataclass(frozen=True)
class Env:
    clock: Clock
    phone_key: bytes = field(repr=False)  # never logged
    invite_ttl: timedelta = timedelta(hours=72)
    # After this long an unfinished claim of a scheduled job (its process died) is taken over.
    job_lease: timedelta = timedelta(minutes=30)

    def digest_phone(self, full_number: str) -> str:
        return phone_hash(self.phone_key, full_number)
