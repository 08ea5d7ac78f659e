"""The shelf in words: the waiting list with ages and stranded marks, a found parcel,
how a parcel already gone left, the one confirmation for all of a person's parcels."""

from __future__ import annotations

from datetime import datetime

from bot.domain.ledger import EntryKind, ParcelView
from bot.domain.text import N_
from bot.i18n import Translator
from bot.presenters.texts import BEIJING, join_phrases, local_time, zone_name
from bot.services.ledger import Parcels
from bot.services.ledger.common import Left
from bot.services.ledger.shelf import ShelfPage


def age(since: datetime, now: datetime, t: Translator) -> str:
    hours = max(0, int((now - since).total_seconds() // 3600))
    if hours < 1:
        return t("just now")
    if hours < 48:
        return t("{n} h", n=hours)
    return t("{n} days", n=hours // 24)


def ago(since: datetime, now: datetime, t: Translator) -> str:
    """'3 days ago', '5 h ago', 'just now'."""
    hours = max(0, int((now - since).total_seconds() // 3600))
    if hours < 1:
        return t("just now")
    if hours < 48:
        return t("{n} h ago", n=hours)
    return t("{n} days ago", n=hours // 24)


def parcel_line(
    parcel: ParcelView,
    t: Translator,
    zone: str = BEIJING,
    *,
    now: datetime | None = None,
    stranded_before: datetime | None = None,
) -> str:
    """'A-027 · 张三 *1234 · SF1234567890 · 3 days ⚠ stranded' (with `now`), else the
    arrival time in the county's zone."""
    last4 = f" *{parcel.phone_last4}" if parcel.phone_last4 else ""
    when = age(parcel.arrived_at, now, t) if now else local_time(parcel.arrived_at, zone)
    line = f"{parcel.pickup_code} · {parcel.recipient_name}{last4} · {parcel.tracking_no} · {when}"
    if stranded_before is not None and parcel.arrived_at < stranded_before:
        line += " ⚠️ " + t("stranded")
    return line


def shelf_text(page: ShelfPage, t: Translator) -> str:
    if page.total == 0:
        return t("The shelf is empty: no parcel is waiting.")
    stranded = sum(1 for p in page.parcels if p.arrived_at < page.stranded_before)
    lines = [
        t(
            "Waiting on the shelf: {total} parcels, oldest first (page {page} of {pages}).",
            total=page.total,
            page=page.page + 1,
            pages=page.pages,
        )
    ]
    lines += [
        parcel_line(p, t, page.timezone, now=page.now, stranded_before=page.stranded_before)
        for p in page.parcels
    ]
    if stranded:
        lines.append(t("⚠️ stranded: waiting longer than the county's limit; call or return."))
    lines.append(t("Hand one out: 取 A-027 or 取 1234. Search: 查 张三."))
    return "\n".join(lines)


def left_text(left: Left, t: Translator, zone: str) -> str:
    """'A-027 (SF1234567890, 张三) was picked up on 2026-11-30 14:05 Beijing time by 王五.'"""
    parcel = left.parcel
    message = (
        N_("{code} ({tracking}, {name}) was picked up on {when} {zone}")
        if left.entry.kind is EntryKind.PARCEL_PICKUP
        else N_("{code} ({tracking}, {name}) was returned to sender on {when} {zone}")
    )
    text = t(
        message,
        code=parcel.pickup_code,
        tracking=parcel.tracking_no,
        name=parcel.recipient_name,
        when=local_time(left.entry.occurred_at, zone),
        zone=zone_name(zone, t),
    )
    by = t("by {name}", name=left.by) if left.by else ""
    reason = t("(reason: {reason})", reason=left.entry.reason) if left.entry.reason else ""
    return join_phrases(
        join_phrases(text, by, reason) + t("."), t("Entry #{id}.", id=left.entry.id)
    )


def none_waiting(found: Parcels, t: Translator) -> str:
    if found.left:
        lines = [t("No parcel matching that is waiting any more:")]
        lines += [left_text(left, t, found.timezone) for left in found.left]
        return "\n".join(lines)
    return t("No waiting parcel matches. Check the code, or send /cancel.")


def bundle_text(parcels: list[ParcelView], t: Translator, zone: str) -> str:
    first = parcels[0]
    lines = [
        t(
            "Hand out all {n} parcels for {name} *{last4}?",
            n=len(parcels),
            name=first.recipient_name,
            last4=first.phone_last4 or "—",
        )
    ]
    lines += [f"• {parcel_line(p, t, zone)}" for p in parcels]
    return "\n".join(lines)
