"""The words of notices, rendered at send time in the reader's language.

One function per notice kind turns the notice's params (plain facts) into text; actions
keep their intent and args and get a translated label. How actions are offered is the
channel's business (Telegram: buttons; a text-only channel: `notice_plaintext`). No text
here names a channel's command: a channel may add its own hint after the text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.dialogs import DIALOG_EXPIRED
from bot.domain.money import format_fen
from bot.domain.notices import Intent, NoticeAction, NoticeKind
from bot.domain.text import N_
from bot.i18n import Translator

MAX_LISTED = 40  # station codes per group in the digest
STEPS = ("active", "warned", "probation", "candidate")

STEP_MEANING = {
    "active": N_("Targets met: the station stays in good standing."),
    "warned": N_("Yellow card (黄牌): one more failing month puts the station on probation."),
    "probation": N_("Probation (整改): the station must meet its targets or face removal."),
    "candidate": N_(
        "Removal candidate (淘汰候选): county staff will decide whether the station stays."
    ),
}

DECISION_TEXTS = {
    "remove": N_("County staff decided to remove {station} from the network. Reason: {reason}"),
    "keep": N_("County staff decided {station} stays, on probation. Reason: {reason}"),
    "reinstate": N_("{station} has been reinstated in the network. Reason: {reason}"),
}


@dataclass(frozen=True)
class RenderedAction:
    label: str
    intent: Intent
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedNotice:
    kind: NoticeKind
    text: str
    actions: tuple[RenderedAction, ...] = ()


def yuan(fen: int) -> str:
    return format_fen(fen, compact=True)


def render(
    kind: NoticeKind | str,
    params: Mapping[str, Any],
    actions: Iterable[NoticeAction],
    language: str,
) -> RenderedNotice:
    """The notice as the reader sees it. Raises KeyError/ValueError on a notice this code
    cannot render (an unknown kind, missing params): the outbox marks it failed."""
    kind = NoticeKind(kind)
    t = Translator(language)
    return RenderedNotice(
        kind,
        TEXTS[kind](params, t),
        tuple(RenderedAction(t(a.label), a.intent, a.args) for a in actions),
    )


# --- one text per kind ---------------------------------------------------------------


def verdict_text(p: Mapping[str, Any], t: Translator) -> str:
    head = t(
        "{period} monthly review for {station} ({code}):",
        period=p["period"],
        station=p["station"],
        code=p["code"],
    )
    if p["verdict"] == "grace":
        return head + "\n" + t("New station: not judged during its first months.")
    figures = t(
        "Downstream {down} / {target_down} yuan · upstream {up} / {target_up} yuan "
        "or {parcels} / {target_parcels} parcels",
        down=yuan(p["downstream_fen"]),
        target_down=yuan(p["target_downstream_fen"]),
        up=yuan(p["upstream_fen"]),
        target_up=yuan(p["target_upstream_fen"]),
        parcels=p["upstream_parcels"],
        target_parcels=p["target_upstream_parcels"],
    )
    if p["verdict"] == "pass":
        return "\n".join([head, "✅ " + t("Passed."), figures])
    lines = [
        head,
        "⚠️ " + t("Not passed ({n} month(s) in a row).", n=p["failing_months"]),
        figures,
    ]
    missing = []
    if p["missing_downstream_fen"]:
        missing.append(t("{amount} yuan downstream", amount=yuan(p["missing_downstream_fen"])))
    if p["missing_upstream_fen"] and p["missing_upstream_parcels"]:
        missing.append(
            t(
                "{amount} yuan upstream or {parcels} upstream parcels",
                amount=yuan(p["missing_upstream_fen"]),
                parcels=p["missing_upstream_parcels"],
            )
        )
    if missing:
        lines.append(t("It was short by: {what}.", what=t("; ").join(missing)))
    lines.append(t(STEP_MEANING[p["ladder_step"]]))
    return "\n".join(lines)


def _codes(codes: list[str], total: int, t: Translator) -> str:
    shown = t("; ").join(codes)  # "A-S1 桃园村服务站；A-S2 …": names may hold spaces
    if total > len(codes):
        shown += t("; ") + t("… and {n} more", n=total - len(codes))
    return shown


def digest_text(p: Mapping[str, Any], t: Translator) -> str:
    counts, codes = p["counts"], p["codes"]
    lines = [
        t("{county} · monthly review {period}", county=p["county"], period=p["period"])
        + (" · " + t("re-run #{n}", n=p["run_no"]) if p["run_no"] > 1 else ""),
        t(
            "{n} stations: {passed} passed, {warned} warned, {probation} on probation, "
            "{candidates} removal candidates, {grace} new (not judged).",
            n=p["stations"],
            passed=counts["active"],
            warned=counts["warned"],
            probation=counts["probation"],
            candidates=counts["candidate"],
            grace=p["grace"],
        ),
    ]
    for step, label in (
        ("warned", N_("Warned")),
        ("probation", N_("Probation")),
        ("candidate", N_("Removal candidates")),
    ):
        if counts[step]:
            shown = _codes(codes[step], counts[step], t)
            lines.append(t("{label}: {value}", label=t(label), value=shown))
    if p["decisions"]:
        lines.append(t("Removal needs your decision: choose a station below."))
    return "\n".join(lines)


def nudge_text(p: Mapping[str, Any], t: Translator) -> str:
    parts = []  # None: that target is on course
    if p["missing_downstream_fen"] is not None:
        parts.append(t("{amount} yuan downstream", amount=yuan(p["missing_downstream_fen"])))
    if p["missing_upstream_fen"] is not None:
        parts.append(
            t(
                "{amount} yuan upstream or {parcels} upstream parcels",
                amount=yuan(p["missing_upstream_fen"]),
                parcels=p["missing_upstream_parcels"],
            )
        )
    return t(
        "{station}: at this pace the month's targets will be missed. Still missing: "
        "{what}. {days} days left.",
        station=p["station"],
        what=t("; ").join(parts) if parts else "—",
        days=p["days_left"],
    )


def idle_text(p: Mapping[str, Any], t: Translator) -> str:
    return t(
        "Nothing has been logged at {station} for {days} days. Log today's parcels and "
        "sales so the month counts.",
        station=p["station"],
        days=p["days"],
    )


def idle_digest_text(p: Mapping[str, Any], t: Translator) -> str:
    """Stations with no ledger entry for long: those open (verified check-ins) but logging
    nothing apart from those with no sign of opening. A notice queued before check-ins
    were counted has three fields a station and reads as before."""
    lines = [t("Stations idle for {days} days or more:", days=p["min_days"])]
    closed, open_ = [], []
    for code, name, days, *rest in p["stations"]:
        opened = rest[0] if rest else 0
        if opened:
            open_.append(
                t(
                    "{code} {name}: no entry for {days} days, yet {opened} check-in days "
                    "verified by location",
                    code=code,
                    name=name,
                    days=days,
                    opened=opened,
                )
            )
        else:
            closed.append(t("{code} {name}: {days} days", code=code, name=name, days=days))
    if open_ and closed:
        lines.append(t("No sign of opening (no verified check-in):"))
    lines += closed
    if open_:
        lines.append(t("Open but no entries (checked in at the station, logged nothing):"))
    lines += open_
    return "\n".join(lines)


def stranded_text(p: Mapping[str, Any], t: Translator) -> str:
    lines = [t("{n} parcels are still waiting for pickup:", n=p["count"])]
    for parcel in p["parcels"]:
        lines.append(
            f"{parcel['pickup_code']} · {parcel['recipient']} · {parcel['arrived_on'][5:]}"
            + (" · " + t("over a week: consider returning it") if parcel["old"] else "")
        )
    lines.append(t("Call the recipients, or return parcels nobody claims."))
    return "\n".join(lines)


def stranded_digest_text(p: Mapping[str, Any], t: Translator) -> str:
    lines = [t("Stations with many parcels waiting over {hours} h:", hours=p["hours"])]
    lines += [
        t("{code} {name}: {n} parcels", code=code, name=name, n=n)
        for code, name, n in p["stations"]
    ]
    return "\n".join(lines)


def decision_text(p: Mapping[str, Any], t: Translator) -> str:
    return t(DECISION_TEXTS[p["decision"]], station=p["station"], reason=p["reason"])


def dialog_expired_text(p: Mapping[str, Any], t: Translator) -> str:
    return t(DIALOG_EXPIRED, minutes=p["minutes"])


# subsidy claims (issue 10)
CLAIM_DECISION_TEXTS = {
    "approved": N_("Subsidy claim #{number} ({station}, {period}) was approved: {amount} yuan."),
    "rejected": N_("Subsidy claim #{number} ({station}, {period}) was rejected. Reason: {reason}"),
    "needs_info": N_(
        "County staff ask about subsidy claim #{number} ({station}, {period}): {reason}\n"
        "Answer from your list of claims."
    ),
    "paid": N_(
        "Subsidy claim #{number} ({station}, {period}) was paid: {amount} yuan. "
        "Payment reference: {reason}"
    ),
}


def claim_decision_text(p: Mapping[str, Any], t: Translator) -> str:
    return t(
        CLAIM_DECISION_TEXTS[p["state"]],
        number=p["number"],
        station=p["station"],
        period=p["period"],
        amount=format_fen(p["amount_fen"]),
        reason=p["reason"],
    )


# --- the notice board (issue 11) ------------------------------------------------------


def profile_changed_text(p: Mapping[str, Any], t: Translator) -> str:
    lines = [
        t("{station} ({code}) changed its notice board:", station=p["station"], code=p["code"])
    ]
    lines += [
        t("Opening hours: {hours}", hours=p["hours"] or "—"),
        t("Services: {services}", services=p["services"] or "—"),
        t("Fee standards: {fees}", fees=p["fees"] or "—"),
    ]
    return "\n".join(lines)


def position_proposed_text(p: Mapping[str, Any], t: Translator) -> str:
    return t(
        "{station} ({code}) has no position on file. Its keeper checked in at {position} "
        "(as the phone claims it). If that is the station, confirm it as the station's position.",
        station=p["station"],
        code=p["code"],
        position=p["position"],
    )


def checkin_flagged_text(p: Mapping[str, Any], t: Translator) -> str:
    if p.get("flag") == "frozen_live":
        return t(
            "Check-in at {station} ({code}) flagged: the live location shared with it never "
            "moved — {updates} updates over {minutes} minutes at exactly the same position. "
            "A live phone's position always moves a little; this check-in no longer counts "
            "as verified by location. A location is what the phone claims.",
            station=p["station"],
            code=p["code"],
            updates=p.get("updates", 0),
            minutes=p["minutes"],
        )
    if p.get("flag") == "frozen_position":
        return t(
            "Check-in at {station} ({code}) flagged: exactly the same position as an earlier "
            "day's, to the tenth of a metre — a location that never moves is likely not a "
            "live one. A location is what the phone claims.",
            station=p["station"],
            code=p["code"],
        )
    return t(
        "Check-in at {station} ({code}) flagged: {km} km from the same keeper's previous "
        "check-in {minutes} minutes before. A location is what the phone claims.",
        station=p["station"],
        code=p["code"],
        km=p["km"],
        minutes=p["minutes"],
    )


def complaint_text(p: Mapping[str, Any], t: Translator) -> str:
    who = p["name"] or t("anonymous")
    lines = [
        t(
            "Complaint {reference} about {station} ({code}) from {who}:",
            reference=p["reference"],
            station=p["station"],
            code=p["code"],
            who=who,
        ),
        p["body"],
    ]
    if p["photos"]:
        lines.append(t("Photos: {n}", n=p["photos"]))
    return "\n".join(lines)


def complaint_answered_text(p: Mapping[str, Any], t: Translator) -> str:
    return t(
        "Your complaint {reference} about {station} was handled. The county's answer: {answer}",
        reference=p["reference"],
        station=p["station"],
        answer=p["answer"],
    )


def inspection_failed_text(p: Mapping[str, Any], t: Translator) -> str:
    return t(
        "Inspection of {station} ({code}) by {inspector} failed. Problems: {problems}. "
        "Notes: {notes}",
        station=p["station"],
        code=p["code"],
        inspector=p["inspector"],
        problems=", ".join(t(item) for item in p["problems"]) or "—",
        notes=p["notes"] or "—",
    )


def parcel_arrived_text(p: Mapping[str, Any], t: Translator) -> str:
    return t(
        "A parcel for your number *{last4} has arrived at {station} ({village}). Pickup "
        "code: {code}.",
        last4=p["last4"],
        station=p["station"],
        village=p["village"],
        code=p["pickup_code"],
    )


TEXTS: dict[NoticeKind, Callable[[Mapping[str, Any], Translator], str]] = {
    NoticeKind.VERDICT: verdict_text,
    NoticeKind.DIGEST: digest_text,
    NoticeKind.NUDGE: nudge_text,
    NoticeKind.IDLE: idle_text,
    NoticeKind.IDLE_DIGEST: idle_digest_text,
    NoticeKind.STRANDED: stranded_text,
    NoticeKind.STRANDED_DIGEST: stranded_digest_text,
    NoticeKind.DECISION: decision_text,
    NoticeKind.DIALOG_EXPIRED: dialog_expired_text,
    # subsidy claims (issue 10)
    NoticeKind.CLAIM_DECISION: claim_decision_text,
    # the notice board (issue 11)
    NoticeKind.PROFILE_CHANGED: profile_changed_text,
    NoticeKind.POSITION_PROPOSED: position_proposed_text,
    NoticeKind.CHECKIN_FLAGGED: checkin_flagged_text,
    NoticeKind.COMPLAINT: complaint_text,
    NoticeKind.COMPLAINT_ANSWERED: complaint_answered_text,
    NoticeKind.INSPECTION_FAILED: inspection_failed_text,
    NoticeKind.PARCEL_ARRIVED: parcel_arrived_text,
}
