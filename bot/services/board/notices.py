"""What the notice board tells whom, as notices (facts only; the words are chosen at send
time by bot.services.notice_texts): county staff hear of board changes, positions to
confirm, impossible check-ins, complaints and failed inspections; villagers hear the
answer to their complaint and that their parcel has arrived (at their chat: they are not
registered people)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.domain.board import ArrivalSubscription, Complaint
from bot.domain.notices import Address, Notice, NoticeKind
from bot.services.notice_fanout import Reader


def _to_staff(key: str, kind: NoticeKind, params: dict[str, Any], staff: Iterable[Reader]):
    return [Notice(f"{key}:{r.person_id}", kind, params, person_id=r.person_id) for r in staff]


def profile_changed_notices(card, profile, request_key: str, staff) -> list[Notice]:
    params = {
        "station": card.name,
        "code": card.code,
        "hours": profile.hours,
        "services": profile.services,
        "fees": profile.fees,
    }
    return _to_staff(f"profile:{card.id}:{request_key}", NoticeKind.PROFILE_CHANGED, params, staff)


def position_proposed_notices(card, position: str, staff) -> list[Notice]:
    # Keyed by the station alone: the first plausible claim is proposed, once.
    params = {"station": card.name, "code": card.code, "position": position}
    return _to_staff(f"position:{card.id}", NoticeKind.POSITION_PROPOSED, params, staff)


def checkin_flagged_notices(
    card, checkin, km: int, minutes: int, staff, updates: int = 0
) -> list[Notice]:
    params = {
        "station": card.name,
        "code": card.code,
        "km": km,
        "minutes": minutes,
        "flag": checkin.flag,  # impossible_move | frozen_position | frozen_live
        "updates": updates,  # frozen_live: the updates at the very same position
    }
    return _to_staff(f"checkin_flag:{checkin.id}", NoticeKind.CHECKIN_FLAGGED, params, staff)


def complaint_notices(card, complaint: Complaint, staff) -> list[Notice]:
    params = {
        "reference": complaint.reference,
        "station": card.name,
        "code": card.code,
        "body": complaint.body,
        "name": complaint.name,  # None: anonymous
        "photos": len(complaint.photos),
    }
    return _to_staff(f"complaint:{complaint.reference}", NoticeKind.COMPLAINT, params, staff)


def complaint_answered_notice(card, complaint: Complaint, answer: str) -> Notice:
    return Notice(
        f"complaint_answer:{complaint.reference}",
        NoticeKind.COMPLAINT_ANSWERED,
        {"reference": complaint.reference, "station": card.name, "answer": answer},
        address=Address(complaint.channel, complaint.chat_id, complaint.language),
    )


def inspection_failed_notices(
    card, inspection_id: int, inspector: str, problems: list[str], notes: str, staff
) -> list[Notice]:
    params = {
        "station": card.name,
        "code": card.code,
        "inspector": inspector,
        "problems": problems,  # msgids of checklist items
        "notes": notes,
    }
    return _to_staff(f"inspection:{inspection_id}", NoticeKind.INSPECTION_FAILED, params, staff)


def parcel_arrived_notices(
    card, entry_id: int, pickup_code: str | None, subscribers: list[ArrivalSubscription]
) -> list[Notice]:
    return [
        Notice(
            f"arrival:{entry_id}:{s.id}",
            NoticeKind.PARCEL_ARRIVED,
            {
                "station": card.name,
                "village": card.village_name,
                "pickup_code": pickup_code,
                "last4": s.last4,
            },
            address=Address(s.channel, s.chat_id, s.language),
        )
        for s in subscribers
    ]
