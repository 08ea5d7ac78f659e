"""The county desk in words: one station's whole card, and the list of stations."""

from __future__ import annotations

from bot.domain.network import STATUS_LABELS
from bot.domain.text import N_
from bot.i18n import Translator
from bot.presenters.shelf import ago
from bot.presenters.texts import local_time, month_text, station_card, yuan, zone_name
from bot.services.desk import DeskCard, DeskPage

STEP_LABELS = {
    "active": N_("in good standing"),
    "warned": N_("yellow card"),
    "probation": N_("probation"),
    "candidate": N_("removal candidate"),
}
VERDICT_LABELS = {"pass": N_("met"), "fail": N_("missed"), "grace": N_("not judged (new)")}
DECISION_LABELS = {
    "remove": N_("removed"),
    "keep": N_("kept on probation"),
    "reinstate": N_("reinstated"),
}


def desk_card(desk: DeskCard, t: Translator) -> str:
    zone = desk.card.county_timezone
    lines = [station_card(desk.card, t)]
    keepers = "、".join(desk.keepers) if desk.keepers else t("none yet")
    lines.append(t("Keeper: {names}", names=keepers))
    if desk.last_activity is None:
        lines.append(t("Last activity: never"))
    else:
        lines.append(
            t(
                "Last activity: {when} {zone} ({ago})",
                when=local_time(desk.last_activity, zone),
                zone=zone_name(zone, t),
                ago=ago(desk.last_activity, desk.now, t),
            )
        )
    lines.append(
        t(
            "Parcels waiting: {waiting} · stranded: {stranded}",
            waiting=desk.waiting,
            stranded=desk.stranded,
        )
    )
    lines += ["", month_text(desk.month, t), "", t("Ladder (latest month first):")]
    if not desk.ladder:
        lines.append("• " + t("no month scored yet"))
    for mark in desk.ladder:
        lines.append(
            "• "
            + t(
                "{period}: targets {verdict} · {step} · failing months in a row: {n}",
                period=mark.period,
                verdict=t(VERDICT_LABELS.get(mark.verdict, mark.verdict)),
                step=t(STEP_LABELS.get(mark.ladder_step, mark.ladder_step)),
                n=mark.failing_months,
            )
        )
    for decision in desk.decisions:
        lines.append(
            "• "
            + t(
                "{date}: {decision} — {reason}",
                date=local_time(decision["decided_at"], zone),
                decision=t(DECISION_LABELS.get(decision["decision"], decision["decision"])),
                reason=decision["reason"],
            )
        )
    code = desk.card.code
    lines += ["", t("More: /recent {code} · /month {code} · /history <number>", code=code)]
    return "\n".join(lines)


def station_list(page: DeskPage, t: Translator) -> str:
    if page.total == 0:
        if page.filtered:
            return t("No station matches these filters.")
        return t("No stations yet. County staff load them with: python -m bot network import")
    header = t(
        "Stations: {total} (page {page} of {pages})",
        total=page.total,
        page=page.page + 1,
        pages=page.pages,
    )
    lines = [header, t("This month ({period}) so far:", period=page.period)]
    for row in page.rows:
        mark = "✅" if row.verdict.targets_met else "⏳"
        seen = (
            t("last entry {ago}", ago=ago(row.last_activity, page.now, t))
            if row.last_activity
            else t("no entry yet")
        )
        parts = [
            f"{mark} {row.card.code}",
            row.card.name,
            row.card.township_name,
            t(STATUS_LABELS[row.card.status]),
            t("down {amount}", amount=yuan(row.month.downstream_fen)),
            t("up {amount}", amount=yuan(row.month.upstream_fen)),
            seen,
        ]
        if row.idle:
            parts.append("💤 " + t("idle"))
        parts.append(checkin_part(row, page, t))  # the notice board (issue 11)
        if row.stranded:
            parts.append("⚠️ " + t("{n} stranded", n=row.stranded))
        lines.append(" · ".join(parts))
    lines.append(
        t(
            "Card: /station CODE. Filters: /stations below · idle · nocheckin · warned · A-T1 "
            "· sort:activity"
        )
    )
    return "\n".join(lines)


def checkin_part(row, page: DeskPage, t: Translator) -> str:
    """A row's check-ins: this month's operating days (verified ones), the last one."""
    c = row.checkins
    if c.last_at is None:
        text = t(
            "check-ins {days} ({verified} verified), never checked in",
            days=c.days,
            verified=c.verified_days,
        )
    else:
        text = t(
            "check-ins {days} ({verified} verified), last check-in {ago}",
            days=c.days,
            verified=c.verified_days,
            ago=ago(c.last_at, page.now, t),
        )
    return ("📵 " if row.no_checkin else "") + text
