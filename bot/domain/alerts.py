"""Alerts: messages the system sends on its own (verdicts, digests, nudges, reminders).

Every alert is written to the outbox in the same transaction as the decision that caused
it, then delivered by a worker; its `dedup_key` names it, so re-running a job never
enqueues it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.domain.text import N_


class AlertCategory(StrEnum):
    VERDICT = "verdict"  # a keeper's monthly result
    DIGEST = "digest"  # county staff's monthly summary
    NUDGE = "nudge"  # mid-month: projected to miss
    IDLE = "idle"  # no ledger entry for days
    STRANDED = "stranded"  # parcels waiting too long
    DECISION = "decision"  # a removal or reinstatement was decided


CATEGORY_LABELS = {
    AlertCategory.VERDICT: N_("monthly results"),
    AlertCategory.DIGEST: N_("monthly county digest"),
    AlertCategory.NUDGE: N_("mid-month reminders"),
    AlertCategory.IDLE: N_("idle station reminders"),
    AlertCategory.STRANDED: N_("stranded parcel reminders"),
    AlertCategory.DECISION: N_("removal decisions"),
}


@dataclass(frozen=True)
class Alert:
    dedup_key: str
    category: AlertCategory
    chat_id: str
    text: str  # already in the recipient's language
    person_id: int | None = None
    channel: str = "telegram"
    buttons: list[list[dict[str, Any]]] | None = None  # [[{"text":…, "callback_data":…}]]
