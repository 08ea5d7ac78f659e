"""The notice board's results as text, for every channel: the public card a villager
sees, the answer to a revoked code, a check-in, the keeper's profile."""

from __future__ import annotations

from bot.domain.board import ContactShown, StationProfile
from bot.domain.network import StationCard, StationStatus
from bot.i18n import Translator
from bot.presenters.texts import local_time


def place_line(card: StationCard) -> str:
    return f"{card.name} · {card.village_name} · {card.township_name} · {card.county_name}"


def contact_line(profile: StationProfile | None, keeper: str | None, t: Translator) -> str | None:
    """The keeper's contact as they chose to show it; None when they show nothing, or
    have not chosen yet (/profile): nothing of a person is shown without their choice."""
    if profile is None:
        return None
    shown = profile.contact
    if shown is ContactShown.NONE or not keeper:
        return None
    if shown is ContactShown.NAME_AND_PHONE and profile and profile.phone:
        return t("Keeper: {name}, phone {phone}", name=keeper, phone=profile.phone)
    return t("Keeper: {name}", name=keeper)


def profile_lines(profile: StationProfile | None, t: Translator) -> list[str]:
    p = profile or StationProfile(0)
    return [
        t("Opening hours: {hours}", hours=p.hours or "—"),
        t("Services: {services}", services=p.services or "—"),
        t("Fee standards: {fees}", fees=p.fees or "—"),
    ]


def public_card(
    card: StationCard, profile: StationProfile | None, keeper: str | None, t: Translator
) -> str:
    """What anyone scanning the poster sees: nothing beyond what the board shows."""
    lines = [t("Village service station"), place_line(card), *profile_lines(profile, t)]
    contact = contact_line(profile, keeper, t)
    if contact:
        lines.append(contact)
    return "\n".join(lines)


def revoked_text(
    card: StationCard, profile: StationProfile | None, keeper: str | None, t: Translator
) -> str:
    lines = [
        t("This code is no longer valid."),
        t(
            "Ask at {station} for its new poster, or call the county e-commerce office "
            "(县商务局) of {county}.",
            station=card.name,
            county=card.county_name,
        ),
    ]
    contact = contact_line(profile, keeper, t)
    if contact:
        lines.append(contact)
    return "\n".join(lines)


def checkin_text(result, t: Translator) -> str:
    c, card = result.checkin, result.card
    when = local_time(c.at, card.county_timezone)
    if result.already:
        head = t("{station} already checked in today at {time}.", station=card.name, time=when)
    else:
        head = t("Checked in at {station}, {time}.", station=card.name, time=when)
    if c.verified:
        body = t(
            "Verified by location: {distance} m from the station (within {fence} m).",
            distance=c.distance_m,
            fence=result.geofence_m,
        )
    elif c.flag and c.distance_m is not None and c.distance_m <= result.geofence_m:
        body = t(
            "Not verified: {distance} m from the station, but the location is flagged.",
            distance=c.distance_m,
        )
    elif c.distance_m is None:
        body = t(
            "Not verified: the station has no position on file yet; county staff will be "
            "asked to confirm this one."
        )
    else:
        body = t(
            "Not verified: your phone says you are {distance} m from the station "
            "(more than {fence} m).",
            distance=c.distance_m,
            fence=result.geofence_m,
        )
    if c.flag == "frozen_position":
        body += "\n" + t(
            "Flagged: exactly the same position as on an earlier day; a phone's real position "
            "always moves a little. County staff are told."
        )
    elif c.flag == "frozen_live":
        body += "\n" + t(
            "Flagged: the live location you shared never moved; a phone's real position "
            "always moves a little. County staff are told."
        )
    elif c.flag:
        body += "\n" + t(
            "Flagged: far from your previous check-in a short while ago. County staff are told."
        )
    return head + "\n" + body


def poster_rows(content, t: Translator) -> list[tuple[str, str]]:
    """The poster's labelled lines: hours, services, fees, and the contact shown."""
    p = content.profile or StationProfile(content.card.id)
    rows = [
        (t("Opening hours"), p.hours),
        (t("Services"), p.services),
        (t("Fee standards"), p.fees),
    ]
    contact = contact_line(content.profile, content.keeper, t)
    if contact:
        rows.append((t("Contact"), contact))
    return rows


def poster_words(content, t: Translator) -> dict[str, object]:
    """Everything the poster says, in the reader's language (the adapter draws it)."""
    card = content.card
    return {
        "heading": content.heading,
        "title": card.name,
        "subtitle": f"{card.village_name} · {card.township_name} · {card.county_name}",
        "rows": poster_rows(content, t),
        "scan_hint": t(
            "Scan with your phone: services and fees, rate the station, complaints, "
            "parcel-arrival notices"
        ),
        "footer": t("Station {code} · village e-commerce service station", code=card.code),
    }


def operating_days_line(activity, t: Translator) -> str:
    """/month's line: the days the keeper checked in at the station this month."""
    return t(
        "Operating days (check-ins by scanning the poster): {days}, {verified} verified by "
        "location",
        days=activity.operating_days,
        verified=activity.verified_days,
    )


def board_card_lines(activity, t: Translator) -> list[str]:
    """The station card's notice-board part: check-ins, inspections, open complaints."""
    lines = [operating_days_line(activity, t)]
    zone = activity.card.county_timezone
    last = activity.last
    if last is not None:
        where = (
            t("verified by location")
            if last.verified
            else t("not verified, {distance} m away", distance=last.distance_m)
            if last.distance_m is not None
            else t("not verified, no station position")
        )
        lines.append(
            t("Last check-in: {time} ({where})", time=local_time(last.at, zone), where=where)
        )
    if activity.silent and activity.card.status is not StationStatus.REMOVED:
        lines.append("📵 " + t("No check-in for {days} days or more", days=activity.idle_days))
    for i in activity.inspections:
        result = t("passed") if i.result == "pass" else t("failed")
        lines.append(t("Inspection {time}: {result}", time=local_time(i.at, zone), result=result))
    if activity.open_complaints:
        lines.append(t("Complaints waiting for an answer: {n}", n=activity.open_complaints))
    return lines
