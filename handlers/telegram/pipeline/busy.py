"""Which failures a retry can fix: a busy or locked database, a lost connection.

SQLite says `database is locked` / `database is busy` (after its own busy timeout);
PostgreSQL reports serialization failures (40001), deadlocks (40P01), lock timeouts
(55P03) and cancelled statements (57014, what `lock_timeout` raises); a connection that
dropped or could not be made is transient too. Everything else is a bug or bad input.
"""

from __future__ import annotations

import asyncio
import random

from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from sqlalchemy.exc import DBAPIError, OperationalError

from storage.group_commit import GroupRolledBack

TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "57014", "08000", "08003", "08006", "57P03"}
BUSY_WORDS = ("database is locked", "database is busy", "database table is locked")


def is_busy(error: BaseException) -> bool:
    for exc in _chain(error):
        if isinstance(exc, GroupRolledBack):  # another update ended the shared transaction
            return True
        if isinstance(exc, DBAPIError):
            if exc.connection_invalidated:
                return True
            if isinstance(exc, OperationalError) and any(w in str(exc) for w in BUSY_WORDS):
                return True
        code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if code in TRANSIENT_SQLSTATES:
            return True
        if isinstance(exc, ConnectionError | TimeoutError):
            return True
    return False


def is_network(error: BaseException) -> bool:
    """A Bot API call that may work later (sending the replies after the commit)."""
    return isinstance(
        error, TelegramNetworkError | TelegramServerError | TelegramRetryAfter | OSError
    )


def _chain(error: BaseException):
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 8:
        yield current
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            yield orig
            yield from (c for c in (orig.__cause__,) if c is not None)
        current = current.__cause__ or current.__context__
        seen += 1


class Backoff:
    """Exponential with jitter: 50 ms, 100 ms … capped, `attempts` tries in all."""

    def __init__(self, attempts: int = 6, first: float = 0.05, cap: float = 2.0) -> None:
        self.attempts, self.first, self.cap = attempts, first, cap

    async def sleep(self, attempt: int) -> None:
        delay = min(self.cap, self.first * 2**attempt)
        await asyncio.sleep(delay * (0.5 + random.random() / 2))
