"""The words of scoring alerts, rendered in each recipient's language when enqueued."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.alerts import Alert, AlertCategory
from bot.domain.money import format_fen
from bot.domain.periods import Period
from bot.domain.text import N_
from bot.i18n import Translator, pick_language

# aiogram CallbackData packs as "<prefix>:<field>:<field>": handlers/telegram/ladder.py
# parses this with DecisionCb(prefix="dc", station_id, period).
DECISION_PREFIX = "dc"
MAX_LISTED = 40
MAX_BUTTONS = 20

STEP_MEANING = {
    "active": N_("Targets met: the station stays in good standing."),
    "warned": N_("Yellow card (黄牌): one more failing month puts the station on probation."),
    "probation": N_("Probation (整改): the station must meet its targets or face removal."),
    "candidate": N_(
        "Removal candidate (淘汰候选): county staff will decide whether the station stays."
    ),
}


def yuan(fen: int) -> str:
    return format_fen(fen, compact=True)


def verdict_text(v, county, period: Period, t: Translator) -> str:
    head = t(
        "{period} monthly review for {station} ({code}):",
        period=str(period),
        station=v.name,
        code=v.code,
    )
    if v.verdict == "grace":
        return head + "\n" + t("New station: not judged during its first months.")
    figures = t(
        "Downstream {down} / {target_down} yuan · upstream {up} / {target_up} yuan "
        "or {parcels} / {target_parcels} parcels",
        down=yuan(v.downstream_fen),
        target_down=yuan(v.thresholds.downstream_fen),
        up=yuan(v.upstream_fen),
        target_up=yuan(v.thresholds.upstream_fen),
        parcels=v.upstream_parcels,
        target_parcels=v.thresholds.upstream_parcels,
    )
    if v.verdict == "pass":
        return "\n".join([head, "✅ " + t("Passed."), figures])
    lines = [head, "⚠️ " + t("Not passed ({n} month(s) in a row).", n=v.failing_months), figures]
    missing = []
    if v.missing_downstream_fen:
        missing.append(t("{amount} yuan downstream", amount=yuan(v.missing_downstream_fen)))
    if v.missing_upstream_fen and v.missing_upstream_parcels:
        missing.append(
            t(
                "{amount} yuan upstream or {parcels} upstream parcels",
                amount=yuan(v.missing_upstream_fen),
                parcels=v.missing_upstream_parcels,
            )
        )
    if missing:
        lines.append(t("It was short by: {what}.", what="; ".join(missing)))
    lines.append(t(STEP_MEANING[v.ladder_step]))
    return "\n".join(lines)


def verdict_alerts(county, period: Period, run_no: int, verdicts, keepers) -> list[Alert]:
    by_station: dict[int, list] = {}
    for keeper in keepers:
        by_station.setdefault(keeper.station_id, []).append(keeper)
    alerts = []
    for v in verdicts:
        for keeper in by_station.get(v.station_id, []):
            t = Translator(pick_language(keeper.language))
            alerts.append(
                Alert(
                    dedup_key=f"verdict:{period}:{run_no}:{v.station_id}:{keeper.person_id}",
                    category=AlertCategory.VERDICT,
                    chat_id=keeper.chat_id,
                    person_id=keeper.person_id,
                    text=verdict_text(v, county, period, t),
                )
            )
    return alerts


def _codes(verdicts: Iterable, t: Translator) -> str:
    codes = [v.code for v in verdicts]
    shown = ", ".join(codes[:MAX_LISTED])
    if len(codes) > MAX_LISTED:
        shown += " " + t("… and {n} more", n=len(codes) - MAX_LISTED)
    return shown


def digest_text(county, period: Period, run_no: int, verdicts, t: Translator) -> str:
    judged = [v for v in verdicts if v.verdict != "grace"]
    groups = {
        step: [v for v in judged if v.ladder_step == step]
        for step in ("active", "warned", "probation", "candidate")
    }
    lines = [
        t("{county} · monthly review {period}", county=county.name, period=str(period))
        + (" · " + t("re-run #{n}", n=run_no) if run_no > 1 else ""),
        t(
            "{n} stations: {passed} passed, {warned} warned, {probation} on probation, "
            "{candidates} removal candidates, {grace} new (not judged).",
            n=len(verdicts),
            passed=len(groups["active"]),
            warned=len(groups["warned"]),
            probation=len(groups["probation"]),
            candidates=len(groups["candidate"]),
            grace=len(verdicts) - len(judged),
        ),
    ]
    for step, label in (
        ("warned", N_("Warned")),
        ("probation", N_("Probation")),
        ("candidate", N_("Removal candidates")),
    ):
        if groups[step]:
            lines.append(f"{t(label)}: {_codes(groups[step], t)}")
    if groups["candidate"]:
        lines.append(t("Removal needs your decision: press a station below."))
    return "\n".join(lines)


def digest_alerts(county, period: Period, run_no: int, verdicts, staff) -> list[Alert]:
    candidates = [v for v in verdicts if v.ladder_step == "candidate" and v.verdict == "fail"]
    alerts = []
    for person in staff:
        t = Translator(pick_language(person.language))
        buttons = [
            [
                {
                    "text": t("Decide: {code}", code=v.code),
                    "callback_data": f"{DECISION_PREFIX}:{v.station_id}:{period}",
                }
            ]
            for v in candidates[:MAX_BUTTONS]
        ]
        alerts.append(
            Alert(
                dedup_key=f"digest:{county.id}:{period}:{run_no}:{person.person_id}",
                category=AlertCategory.DIGEST,
                chat_id=person.chat_id,
                person_id=person.person_id,
                text=digest_text(county, period, run_no, verdicts, t),
                buttons=buttons or None,
            )
        )
    return alerts
