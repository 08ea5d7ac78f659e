"""The Bot API double with group chats, group migration and Telegram's flood control.

`FloodFakeTelegram` is a `FakeTelegram` (everything there still works) that also has:

* groups: `create_group(title)` gives a chat with a negative id the bot can send to;
* migration: `migrate_group(group)` turns it into a supergroup with a new id, after which
  sends to the old id answer 400 with `parameters.migrate_to_chat_id`, as Telegram does;
* flood control, opt-in: `enforce_limits(global_per_s=30, per_chat_per_s=1,
  group_per_min=20)` makes sends beyond any of those limits answer 429 with
  `parameters.retry_after`. Each limit is a sliding window over accepted sends (no more
  than N in any window), the strictest reading of Telegram's documentation.

Kept beside fake_api.py rather than inside it so the two can change independently.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devtools.telegram_double.records import ApiError, FakeUser, SentMessage
from devtools.telegram_double.server import FakeTelegram


@dataclass
class FakeGroup(FakeUser):
    """A group chat the bot is a member of (negative id, like Telegram's)."""

    supergroup: bool = False
    migrated_to: int | None = None  # set once the group became a supergroup

    def chat(self) -> dict[str, Any]:
        kind = "supergroup" if self.supergroup else "group"
        return {"id": self.id, "type": kind, "title": self.first_name}


class _Answer(ApiError):
    """An error answer with arbitrary `parameters` (migrate_to_chat_id…)."""

    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(code, description, parameters.get("retry_after"))
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body = super().payload()
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(frozen=True)
class Violation:
    chat_id: int
    limit: str  # "global", "chat" or "group"
    retry_after: int


class FloodControl:
    """Sliding windows over accepted sends: overall, per chat, per group."""

    def __init__(
        self,
        global_per_s: float,
        per_chat_per_s: float,
        group_per_min: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.rules = {
            "global": (1.0, global_per_s),
            "chat": (1.0, per_chat_per_s),
            "group": (60.0, group_per_min),
        }
        self._windows: dict[tuple[str, int], deque[float]] = {}
        self.violations: list[Violation] = []
        self.accepted = 0

    def admit(self, chat_id: int) -> None:
        """Count one send to the chat, or raise a 429 if it would break a limit."""
        now = self.clock()
        keys = [("global", 0), ("chat", chat_id)]
        if chat_id < 0:
            keys.append(("group", chat_id))
        windows = []
        for rule, key in keys:
            span, limit = self.rules[rule]
            window = self._windows.setdefault((rule, key), deque())
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                retry_after = max(1, math.ceil(window[0] + span - now))
                self.violations.append(Violation(chat_id, rule, retry_after))
                raise _Answer(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
                )
            windows.append(window)
        for window in windows:
            window.append(now)
        self.accepted += 1


class FloodFakeTelegram(FakeTelegram):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flood: FloodControl | None = None
        self._group_ids = itertools.count(1001)

    def enforce_limits(
        self,
        global_per_s: float = 30,
        per_chat_per_s: float = 1,
        group_per_min: float = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> FloodControl:
        """From now on, sends beyond these limits answer 429 with retry_after."""
        self.flood = FloodControl(global_per_s, per_chat_per_s, group_per_min, clock)
        return self.flood

    def create_group(self, title: str = "Group", *, id: int | None = None) -> FakeGroup:
        group = FakeGroup(id=id if id is not None else -next(self._group_ids), first_name=title)
        self.users[group.id] = group
        return group

    def migrate_group(self, group: FakeGroup) -> FakeGroup:
        """The group becomes a supergroup: a new chat with a -100… id."""
        supergroup = FakeGroup(
            id=-(10**12) - abs(group.id), first_name=group.first_name, supergroup=True
        )
        self.users[supergroup.id] = supergroup
        group.migrated_to = supergroup.id
        return supergroup

    def _chat(self, params: dict[str, Any]) -> FakeUser:
        chat = super()._chat(params)
        if isinstance(chat, FakeGroup) and chat.migrated_to is not None:
            raise _Answer(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=chat.migrated_to,
            )
        return chat

    def _record(self, token: str, method: str, params: dict, content: dict) -> SentMessage:
        chat = self._chat(params)  # 400/403 before flood control, as the API does
        if self.flood is not None:
            self.flood.admit(chat.id)
        return super()._record(token, method, params, content)
