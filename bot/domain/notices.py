"""Notices: what the system tells a person on its own (verdicts, digests, nudges, decisions).

A notice says *what* happened and *to whom*, never *how it reads*: it carries a kind, the
facts as plain JSON-able params and, optionally, actions the reader may take. It holds no
rendered text, no language and no channel's wire format. Delivery (jobs/outbox_worker.py)
resolves the person to an address and a language at send time, renders the text with
bot.services.notice_texts, and leaves the actions to the channel: Telegram turns them into
buttons, a text-only channel into numbered replies.

Every notice is written to the outbox in the same transaction as the decision that caused
it; its `dedup_key` names it, so re-running a job never enqueues it twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.domain.text import N_, Text


class AlertCategory(StrEnum):
    """What a person may mute (`/mute`); every mutable notice has one."""

    VERDICT = "verdict"  # a keeper's monthly result
    DIGEST = "digest"  # county staff's monthly summary
    NUDGE = "nudge"  # mid-month: projected to miss
    IDLE = "idle"  # no ledger entry for days
    STRANDED = "stranded"  # parcels waiting too long
    DECISION = "decision"  # a removal or reinstatement was decided
    BOARD = "board"  # notice boards: changes, positions to confirm, odd check-ins, inspections


CATEGORY_LABELS = {
    AlertCategory.VERDICT: N_("monthly results"),
    AlertCategory.DIGEST: N_("monthly county digest"),
    AlertCategory.NUDGE: N_("mid-month reminders"),
    AlertCategory.IDLE: N_("idle station reminders"),
    AlertCategory.STRANDED: N_("stranded parcel reminders"),
    AlertCategory.DECISION: N_("removal decisions"),
    AlertCategory.BOARD: N_("notice boards, check-ins and inspections"),
}


class NoticeKind(StrEnum):
    """Which text a notice renders as (bot.services.notice_texts has one per kind)."""

    VERDICT = "verdict"  # to a keeper: the station's monthly result
    DIGEST = "digest"  # to county staff: the month's review
    NUDGE = "nudge"  # to a keeper: at this pace the month is missed
    IDLE = "idle"  # to a keeper: nothing logged for days
    IDLE_DIGEST = "idle_digest"  # to county staff: the stations idle for long
    STRANDED = "stranded"  # to a keeper: parcels waiting for pickup
    STRANDED_DIGEST = "stranded_digest"  # to county staff: stations with many waiting
    DECISION = "decision"  # to a keeper: county staff decided on the station
    DIALOG_EXPIRED = "dialog_expired"  # to whoever left a form unfinished
    # subsidy claims (issue 10); not mutable: it is the keeper's own money
    CLAIM_DECISION = "claim_decision"  # to a keeper: staff decided on the station's claim
    # the notice board (issue 11), to county staff
    PROFILE_CHANGED = "profile_changed"  # a keeper changed the station's notice board
    POSITION_PROPOSED = "position_proposed"  # a station without GPS: a first check-in's
    CHECKIN_FLAGGED = "checkin_flagged"  # an impossible sequence of claimed locations
    COMPLAINT = "complaint"  # a villager's complaint
    INSPECTION_FAILED = "inspection_failed"  # a site inspection failed
    # the notice board (issue 11), to a villager's chat
    COMPLAINT_ANSWERED = "complaint_answered"
    PARCEL_ARRIVED = "parcel_arrived"


# Categories of the kinds; a kind missing here (dialog_expired) cannot be muted: it
# answers the reader's own unfinished action.
KIND_CATEGORY: dict[NoticeKind, AlertCategory] = {
    NoticeKind.VERDICT: AlertCategory.VERDICT,
    NoticeKind.DIGEST: AlertCategory.DIGEST,
    NoticeKind.NUDGE: AlertCategory.NUDGE,
    NoticeKind.IDLE: AlertCategory.IDLE,
    NoticeKind.IDLE_DIGEST: AlertCategory.IDLE,
    NoticeKind.STRANDED: AlertCategory.STRANDED,
    NoticeKind.STRANDED_DIGEST: AlertCategory.STRANDED,
    NoticeKind.DECISION: AlertCategory.DECISION,
    # The notice board (issue 11). Not here, so never muted: a complaint (the supervision
    # channel must reach staff) and what a villager asked for themselves (the answer to
    # their complaint, their parcel's arrival: they unsubscribe instead).
    NoticeKind.PROFILE_CHANGED: AlertCategory.BOARD,
    NoticeKind.POSITION_PROPOSED: AlertCategory.BOARD,
    NoticeKind.CHECKIN_FLAGGED: AlertCategory.BOARD,
    NoticeKind.INSPECTION_FAILED: AlertCategory.BOARD,
}


class Intent(StrEnum):
    """What pressing an action asks for; each channel maps intents to its own wire format."""

    DECIDE_REMOVAL = "decide_removal"  # args: station_id, period


@dataclass(frozen=True)
class NoticeAction:
    label: Text
    intent: Intent
    args: Mapping[str, Any] = field(default_factory=dict)  # JSON-able


@dataclass(frozen=True)
class Address:
    """A chat on one channel, for notices that are not to a registered person (a group, an
    unregistered user's dialog). `language` stands in for the person's, which is unknown."""

    channel: str
    chat_id: str
    language: str | None = None


@dataclass(frozen=True)
class Notice:
    dedup_key: str
    kind: NoticeKind
    params: Mapping[str, Any] = field(default_factory=dict)  # JSON-able facts
    person_id: int | None = None  # to a person, resolved to an address when sent…
    address: Address | None = None  # …or to one chat
    actions: tuple[NoticeAction, ...] = ()

    def __post_init__(self) -> None:
        if (self.person_id is None) == (self.address is None):
            raise ValueError("a notice goes to a person or to an address, exactly one")

    @property
    def category(self) -> AlertCategory | None:
        return KIND_CATEGORY.get(self.kind)
