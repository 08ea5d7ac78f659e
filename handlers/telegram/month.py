"""/month: this month at a glance, against the station's thresholds."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.domain.assessment import Verdict
from bot.domain.commands import ShowMonth
from bot.i18n import Translator
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from bot.services.ledger import MonthView
from handlers.telegram.callbacks import MenuCb
from handlers.telegram.render import yuan, zone_name
from handlers.telegram.routing import Routes

router = Routes("month")


def month_text(view: MonthView, t: Translator) -> str:
    m, th, v = view.metrics, view.thresholds, view.verdict
    mark = lambda ok: "✅" if ok else "⏳"  # noqa: E731
    last_day = f"{view.period}-{view.period.days():02d}"
    lines = [
        t(
            "{station} · {period} · {days} days left",
            station=view.station.name,
            period=str(view.period),
            days=view.days_left,
        ),
        "",
        f"{mark(v.downstream_ok)} "
        + t(
            "Downstream: {done} of {target} yuan",
            done=yuan(m.downstream_fen),
            target=yuan(th.downstream_fen),
        ),
        f"{mark(v.upstream_ok)} "
        + t(
            "Upstream: {done} of {target} yuan, or {parcels} of {target_parcels} parcels",
            done=yuan(m.upstream_fen),
            target=yuan(th.upstream_fen),
            parcels=m.upstream_parcels,
            target_parcels=th.upstream_parcels,
        ),
        t(
            "Parcels in: {n_in} · picked up: {n_out} · returned: {n_ret} · waiting now: {waiting}",
            n_in=m.parcels_in,
            n_out=m.parcels_out,
            n_ret=m.parcels_returned,
            waiting=view.waiting,
        ),
        t("Convenience services: {n} ({amount} yuan)", n=m.services, amount=yuan(m.services_fen)),
        # The month is the county's: an entry at 23:30 on the last day still counts.
        t(
            "The month ends {date} at 24:00 {zone}.",
            date=last_day,
            zone=zone_name(view.station.county_timezone, t),
        ),
        "",
    ]
    if v.verdict is Verdict.GRACE:
        lines.append(t("The station is in its first months: this month is not judged."))
    if v.targets_met:
        lines.append(t("This month's targets are met. 👍"))
    else:
        missing = []
        if not v.downstream_ok:
            missing.append(t("{amount} yuan downstream", amount=yuan(v.missing_downstream_fen)))
        if not v.upstream_ok:
            missing.append(
                t(
                    "{amount} yuan upstream or {parcels} upstream parcels",
                    amount=yuan(v.missing_upstream_fen),
                    parcels=v.missing_upstream_parcels,
                )
            )
        lines.append(t("Still missing:"))
        lines += [f"• {item}" for item in missing]
    return "\n".join(lines)


@router.message(Command("month"), flags={"action": Action.VIEW_LEDGER})
async def month(message: Message, actor: Actor, t: Translator, services: Services) -> None:
    await message.answer(month_text(await services.run(ShowMonth(), actor), t))


@router.callback_query(MenuCb.filter(F.item == "month"), flags={"action": Action.VIEW_LEDGER})
async def month_button(
    query: CallbackQuery, actor: Actor, t: Translator, services: Services
) -> None:
    view = await services.run(ShowMonth(), actor)
    await query.answer()
    await query.bot.send_message(query.from_user.id, month_text(view, t))
