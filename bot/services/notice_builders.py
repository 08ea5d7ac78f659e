"""What each producer tells whom: the facts of a verdict, a digest, a reminder or a
decision as notices, fanned out to the people who should hear of them.

Only facts go in (figures in fen, codes, names, dates); the words are chosen at send time
by bot.services.notice_texts in each reader's language then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.notices import Address, Intent, Notice, NoticeAction, NoticeKind
from bot.domain.text import N_, Text
from bot.services.notice_fanout import Reader, fan_out
from bot.services.notice_texts import MAX_LISTED, STEPS
from bot.services.ports import RobotRoute

MAX_ACTIONS = 20  # decide-buttons in one digest
MAX_LINES = 50  # stations listed in a staff reminder
MAX_PARCELS = 30  # parcels listed in a keeper's stranded reminder


# --- monthly scoring ----------------------------------------------------------------


def verdict_params(v, period) -> dict[str, Any]:
    """`period`: the month, or its text (a county's month formats it once, not 10,000 times)."""
    targets = v.thresholds
    return {
        "period": period if type(period) is str else str(period),
        "station": v.name,
        "code": v.code,
        "verdict": str(v.verdict),
        "failing_months": v.failing_months,
        "ladder_step": str(v.ladder_step),
        "downstream_fen": v.downstream_fen,
        "upstream_fen": v.upstream_fen,
        "upstream_parcels": v.upstream_parcels,
        "target_downstream_fen": targets.downstream_fen,
        "target_upstream_fen": targets.upstream_fen,
        "target_upstream_parcels": targets.upstream_parcels,
        "missing_downstream_fen": v.missing_downstream_fen,
        "missing_upstream_fen": v.missing_upstream_fen,
        "missing_upstream_parcels": v.missing_upstream_parcels,
    }


def verdict_notices(period, run_no: int, verdicts, keepers: Iterable[Reader]) -> list[Notice]:
    prefix, month = f"verdict:{period}:{run_no}:", str(period)

    def notice(v, person: int) -> Notice:
        return Notice(
            dedup_key=f"{prefix}{v.station_id}:{person}",
            kind=NoticeKind.VERDICT,
            params=verdict_params(v, month),
            person_id=person,
        )

    return fan_out(verdicts, keepers, notice, station=lambda v: v.station_id)


def digest_params(county, period, run_no: int, verdicts: Sequence) -> dict[str, Any]:
    judged = [v for v in verdicts if str(v.verdict) != "grace"]
    groups: dict[str, list[str]] = {step: [] for step in STEPS}
    for v in judged:
        groups[str(v.ladder_step)].append(f"{v.code} {v.name}")  # a name beside each code
    return {
        "county": county.name,
        "period": str(period),
        "run_no": run_no,
        "stations": len(verdicts),
        "grace": len(verdicts) - len(judged),
        "counts": {step: len(codes) for step, codes in groups.items()},
        "codes": {step: groups[step][:MAX_LISTED] for step in ("warned", "probation", "candidate")},
        "decisions": any(str(v.ladder_step) == "candidate" for v in judged),
    }


def decide_actions(period, verdicts: Sequence) -> tuple[NoticeAction, ...]:
    candidates = [
        v for v in verdicts if str(v.ladder_step) == "candidate" and str(v.verdict) == "fail"
    ]
    return tuple(
        NoticeAction(
            Text(N_("Decide: {code}"), {"code": f"{v.code} {v.name}"}),
            Intent.DECIDE_REMOVAL,
            {"station_id": v.station_id, "period": str(period)},
        )
        for v in candidates[:MAX_ACTIONS]
    )


def digest_notices(
    county, period, run_no: int, verdicts, staff: Iterable[Reader], robots: Sequence = ()
) -> list[Notice]:
    verdicts = list(verdicts)
    params = digest_params(county, period, run_no, verdicts)  # once, shared by every reader
    actions = decide_actions(period, verdicts)
    key = f"digest:{county.id}:{period}:{run_no}"
    return to_staff(key, NoticeKind.DIGEST, params, staff, robots, actions)


# --- reminders between reviews --------------------------------------------------------


def nudge_notices(period, behind: Iterable, keepers: Iterable[Reader]) -> list[Notice]:
    """`behind`: (station, assessment of the month at this pace, days left) per station."""

    def notice(fact, person: int) -> Notice:
        station, missing, days_left = fact
        return Notice(
            dedup_key=f"nudge:{period}:{station.id}:{person}",
            kind=NoticeKind.NUDGE,
            params={
                "station": station.name,
                "missing_downstream_fen": (
                    None if missing.downstream_ok else missing.missing_downstream_fen
                ),
                "missing_upstream_fen": (
                    None if missing.upstream_ok else missing.missing_upstream_fen
                ),
                "missing_upstream_parcels": (
                    None if missing.upstream_ok else missing.missing_upstream_parcels
                ),
                "days_left": days_left,
            },
            person_id=person,
        )

    return fan_out(behind, keepers, notice, station=lambda fact: fact[0].id)


def idle_notices(idle: Iterable, keepers: Iterable[Reader]) -> list[Notice]:
    """`idle`: (station, days idle, date of the last entry) per station."""

    def notice(fact, person: int) -> Notice:
        station, days, since = fact
        return Notice(
            # One reminder per silence: keyed by the last entry's date.
            dedup_key=f"idle:{station.id}:{since}:{person}",
            kind=NoticeKind.IDLE,
            params={"station": station.name, "days": days},
            person_id=person,
        )

    return fan_out(idle, keepers, notice, station=lambda fact: fact[0].id)


def idle_digest_notices(
    county,
    day: str,
    min_days: int,
    long_idle: Sequence,
    staff: Iterable[Reader],
    robots: Sequence = (),
) -> list[Notice]:
    """`long_idle`: (station, days idle, verified check-in days within `min_days`) per
    station idle at least `min_days`."""
    if not long_idle:
        return []
    params = {
        "min_days": min_days,
        "stations": [[s.code, s.name, d, *opened[:1]] for s, d, *opened in long_idle[:MAX_LINES]],
    }
    key = f"idle-staff:{county.id}:{day}"
    return to_staff(key, NoticeKind.IDLE_DIGEST, params, staff, robots)


def stranded_params(found: list[dict], return_before: datetime, timezone: str) -> dict:
    zone = ZoneInfo(timezone)
    return {
        "count": len(found),
        "parcels": [
            {
                "pickup_code": p["pickup_code"],
                "recipient": p["recipient_name"],
                "arrived_on": p["arrived_at"].astimezone(zone).date().isoformat(),
                "old": p["arrived_at"] < return_before,
            }
            for p in found[:MAX_PARCELS]
        ],
    }


def stranded_notices(
    day: str, waiting: dict[int, list[dict]], return_before: datetime, timezone: str, keepers
) -> list[Notice]:
    """`waiting`: the parcels waiting too long, by station id."""
    params = {
        sid: stranded_params(found, return_before, timezone) for sid, found in waiting.items()
    }
    return fan_out(
        params,
        keepers,
        lambda sid, person: Notice(
            dedup_key=f"stranded:{sid}:{day}:{person}",
            kind=NoticeKind.STRANDED,
            params=params[sid],
            person_id=person,
        ),
        station=lambda sid: sid,
    )


def stranded_digest_notices(
    county, day: str, hours: int, many: Sequence, staff: Iterable[Reader], robots: Sequence = ()
) -> list[Notice]:
    """`many`: (station, parcels waiting) per station over the staff threshold."""
    if not many:
        return []
    ranked = sorted(many, key=lambda x: -x[1])[:MAX_LINES]
    params = {"hours": hours, "stations": [[s.code, s.name, n] for s, n in ranked]}
    key = f"stranded-staff:{county.id}:{day}"
    return to_staff(key, NoticeKind.STRANDED_DIGEST, params, staff, robots)


# --- ladder decisions ----------------------------------------------------------------


def decision_notices(card, decision: str, reason: str, key: str, keepers) -> list[Notice]:
    """To the keepers of the decided station."""
    return fan_out(
        [card],
        keepers,
        lambda card, person: Notice(
            dedup_key=f"decision:{key}:{person}",
            kind=NoticeKind.DECISION,
            params={"decision": decision, "station": card.name, "reason": reason},
            person_id=person,
        ),
        station=lambda card: card.id,
    )


# --- office IM (#12): a county's staff notices, to its staff and its group robots ---------


def to_staff(
    key: str,
    kind: NoticeKind,
    params: dict[str, Any],
    staff: Iterable[Reader],
    robots: Sequence[RobotRoute] = (),
    actions: tuple[NoticeAction, ...] = (),
) -> list[Notice]:
    """One staff notice of a county: to each staff member (`{key}:{person}`) and to each of
    the county's group robots (`{key}:robot:{id}`, in the robot's language).

    A robot added with `--instead` (`replaces_staff_chats`) takes the staff members' place:
    while the county has one, their own chats no longer get these notices (they read the
    group). Staff with no robot configured get them as before."""
    notices = [
        Notice(
            dedup_key=f"{key}:robot:{r.id}",
            kind=kind,
            params=params,
            address=Address(r.channel, r.chat_id, r.language),
            actions=actions,
        )
        for r in robots
    ]
    if not any(r.replaces_staff_chats for r in robots):
        notices += fan_out(
            [None],
            staff,
            lambda _, person: Notice(
                dedup_key=f"{key}:{person}",
                kind=kind,
                params=params,
                person_id=person,
                actions=actions,
            ),
        )
    return notices
