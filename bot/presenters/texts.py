"""Service results as text in the reader's language, for every channel (Telegram, WeChat,
text-only). Plain text (no parse mode), so names with '<' or '*' in them can never break
a message. Channel-specific wording (command names, buttons) stays in the front ends."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.assessment import Verdict
from bot.domain.carriers import Carrier
from bot.domain.network import STATUS_LABELS, TIER_LABELS, StationCard
from bot.domain.roles import ROLE_LABELS
from bot.domain.zones import zone_words
from bot.i18n import Translator
from bot.services.authz import Actor
from bot.services.ledger import MonthView

# Where a caller does not know the county yet; every screen of a station passes its
# county's own zone.
BEIJING = "Asia/Shanghai"


def local_time(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def zone_name(timezone: str, t: Translator) -> str:
    """The zone in the reader's words: 北京时间, 乌鲁木齐时间, Beijing time …"""
    return t(zone_words(timezone))


def carrier_name(code: str, t: Translator) -> str:
    """A stored carrier code (`YTO`) as the reader names the carrier (圆通速递)."""
    try:
        carrier = Carrier(code)
    except ValueError:
        return code  # a code from an older release: still better than nothing
    return carrier.name_zh if t.language == "zh" else carrier.name_en


FULL_WIDTH_CLOSE = "，。：；！？、）》」』"
FULL_WIDTH_OPEN = "（《「『"


def join_phrases(*parts: str) -> str:
    """Phrases joined by a space, as English wants, but none beside full-width
    punctuation, as Chinese wants: `完成：已保存 2 条。发送 /month …`."""
    text = ""
    for part in filter(None, parts):
        if text and text[-1] not in FULL_WIDTH_CLOSE and part[0] not in FULL_WIDTH_OPEN:
            text += " "
        text += part
    return text


def station_label(name: str, code: str, t: Translator) -> str:
    """`桃园村服务站（A-S1）` on a Chinese screen, `Peach Village (A-S1)` on an English one."""
    return f"{name}（{code}）" if t.language == "zh" else f"{name} ({code})"


_TRAILING_CODE = re.compile(r" \(([^()]+)\)$")


def place_label(label: str, t: Translator) -> str:
    """A place as the core labels it (`桃园村服务站 (A-S1)`, an invite's scope) with the
    reader's parentheses: full-width beside a Chinese name on a Chinese screen."""
    return _TRAILING_CODE.sub(r"（\1）", label) if t.language == "zh" else label


def station_card(card: StationCard, t: Translator) -> str:
    lines = [
        station_label(card.name, card.code, t),
        t(
            "Village: {village} · Township: {township} · County: {county}",
            village=card.village_name,
            township=card.township_name,
            county=card.county_name,
        ),
        t("Tier: {tier}", tier=TIER_LABELS[card.tier]),
        t("Status: {status}", status=STATUS_LABELS[card.status]),
        t("Time zone: {zone}", zone=zone_name(card.county_timezone, t)),
    ]
    if card.opened_on:
        lines.append(t("Opened: {date}", date=card.opened_on.isoformat()))
    if card.latitude and card.longitude:
        lines.append(t("Location: {lat}, {lon}", lat=card.latitude, lon=card.longitude))
    return "\n".join(lines)


def who(actor: Actor, t: Translator) -> str:
    if actor.role is None:
        return ""
    return t(ROLE_LABELS[actor.role])


def yuan(fen: int) -> str:
    """Exact yuan from integer fen: 129900 → '1,299', 12345 → '123.45'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}" + (f".{cents:02d}" if cents else "")


def entry_line(
    entry, t: Translator, timezone: str = BEIJING, names: dict[int, str] | None = None
) -> str:
    """One ledger entry as a line with everything the keeper typed: '#12 11-24 10:05
    upstream sale 脆李 20斤 400 yuan livestream · by 王站长'."""
    from bot.domain.ledger import (
        CHANNEL_LABELS,
        KIND_LABELS,
        SERVICE_KIND_LABELS,
        EntryKind,
        SaleChannel,
        ServiceKind,
    )
    from bot.domain.quantities import Quantity

    zone = ZoneInfo(timezone)
    happened = entry.occurred_at.astimezone(zone)
    parts = [f"#{entry.id}", happened.strftime("%m-%d %H:%M")]
    logged = entry.recorded_at.astimezone(zone) if entry.recorded_at else None
    if logged is not None and logged.date() != happened.date():
        # Back-dated (售 … 昨天): the record keeps both days, and says so.
        parts.append(t("(logged {when})", when=logged.strftime("%m-%d %H:%M")))
    if entry.is_reversal:
        parts.append(t("void of #{id}", id=entry.reverses_id))
    if entry.kind is EntryKind.SERVICE and entry.service_kind:
        # 话费, 电费, 取现 … as the keeper said, not just "convenience service".
        parts.append(t(SERVICE_KIND_LABELS[ServiceKind(entry.service_kind)]))
    else:
        parts.append(t(KIND_LABELS[entry.kind]))
    quantity = (
        str(Quantity.from_milli(entry.quantity_milli, entry.unit))
        if entry.quantity_milli is not None and entry.unit
        else None
    )
    weight = t("{kg} kg", kg=_kg(entry.weight_g)) if entry.weight_g else None
    recipient = entry.recipient_name
    if recipient and entry.phone_last4:
        recipient = f"{recipient} *{entry.phone_last4}"
    for detail in (
        entry.pickup_code,
        entry.tracking_no,
        entry.carrier and carrier_name(entry.carrier, t),
        entry.product,
        quantity,
        weight,
        entry.item,
        recipient,
    ):
        if detail:
            parts.append(detail)
    if entry.amount_fen:
        parts.append(t("{amount} yuan", amount=yuan(entry.amount_fen)))
    if entry.fee_fen:
        parts.append(t("fee {amount} yuan", amount=yuan(entry.fee_fen)))
    if entry.channel and entry.kind is EntryKind.UPSTREAM_SALE:
        parts.append(t(CHANNEL_LABELS[SaleChannel(entry.channel)]))
    if entry.reason:
        parts.append(t("reason: {reason}", reason=entry.reason))
    if entry.reversed_by_id and not entry.is_reversal:
        parts.append(t("(voided by #{id})", id=entry.reversed_by_id))
    if names and entry.recorded_by in names:
        parts.append("· " + t("by {name}", name=names[entry.recorded_by]))
    return join_phrases(*parts)


def _kg(grams: int) -> str:
    whole, rest = divmod(grams, 1000)
    return f"{whole}.{rest:03d}".rstrip("0").rstrip(".") if rest else str(whole)


def entry_saved(recorded, t: Translator) -> str:
    """The answer after a ledger write, in the county's zone; a retry says so instead of
    pretending it is new."""
    from bot.domain.ledger import EntryKind

    entry = recorded.entry
    head = t("Already recorded:") if recorded.replay else t("✅ Saved:")
    text = join_phrases(head, entry_line(entry, t, recorded.timezone))
    if entry.kind is EntryKind.PARCEL_IN and entry.pickup_code:
        text += "\n" + t("Pickup code {code} — write it on the parcel.", code=entry.pickup_code)
    if getattr(recorded, "notified", 0):
        text += "\n" + t("📨 The recipient was notified (they asked for arrival notices).")
    return text


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
