"""The update pipeline: one Telegram update, one durable transaction, then its replies.

The contract between the transports (polling: polling.py and inbox.py; webhook:
runner.webhook_app) and the transaction (transaction.py):

    handled = await pipeline.handle(update)          # an aiogram Update
    handled = await pipeline.handle_payload(raw)     # JSON bytes or a dict, as received

When either returns, the update's transaction has committed (its claim, who is talking,
the dialog state, the use case's writes and the replies to send) and the replies were
sent or are stored for sending at the next start. A redelivered update that committed
before is not applied again; its stored replies are sent again (`Handled.repeated`).

- `Retryable` is raised for a failure a retry can fix (the database busy or locked past
  the pipeline's own retries, a connection lost): nothing was committed, so the
  transport must NOT confirm the update (polling keeps the offset, a webhook answers
  non-200) and hand it in again later. The person has been told once to wait.
- An update that can never succeed (malformed JSON, an invalid schema, a handler that
  fails every time) returns `Handled(poison=True)`: it is kept in `poison_updates` with
  its payload for operators, and the transport confirms it so it does not block the queue.

Migrations: 0006 is this pipeline's (processed_updates replies, poison_updates); the
durable inbox takes 0007.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from aiogram.types import Update


class Retryable(Exception):
    """A transient failure: nothing committed; deliver the update again later."""


@dataclass(frozen=True)
class Handled:
    update_id: int | None
    repeated: bool = False  # committed earlier; its stored replies were sent again
    poison: bool = False  # can never succeed; recorded in poison_updates


class Pipeline(Protocol):
    async def handle(self, update: Update) -> Handled: ...

    async def handle_payload(self, payload: bytes | str | dict[str, Any]) -> Handled: ...
