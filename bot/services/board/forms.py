"""The keeper's notice-board form (a core form, for every channel): opening hours,
services, fee standards, which contact villagers see, and the public phone."""

from __future__ import annotations

from bot.domain.board import CONTACT_LABELS, ContactShown
from bot.domain.commands import SaveProfile
from bot.domain.errors import InvalidInput
from bot.domain.text import N_, Text
from bot.services.board.profile import (
    MAX_HOURS,
    MAX_LIST,
    check_profile_text,
    check_public_phone,
)
from bot.services.forms.engine import Choice, Field, FormContext, FormSpec, Values

PROFILE_TITLE = N_("Your station's notice board")


def _text(name: str, limit: int):
    async def parse(text: str, ctx: FormContext, values: Values) -> Values:
        return {name: check_profile_text(text, limit)}

    return parse


async def _contact(text: str, ctx: FormContext, values: Values) -> Values:
    try:
        return {"contact": ContactShown(text).value}
    except ValueError:
        raise InvalidInput(N_("Pick what contact to show from the list.")) from None


async def _contact_choices(ctx: FormContext, values: Values) -> list[Choice]:
    return [Choice(Text(label), shown.value) for shown, label in CONTACT_LABELS.items()]


async def _phone(text: str, ctx: FormContext, values: Values) -> Values:
    return {"phone": check_public_phone(text)}


def _build(values: Values) -> SaveProfile:
    return SaveProfile(
        hours=values["hours"],
        services=values["services"],
        fees=values["fees"],
        contact=values["contact"],
        phone=values.get("phone", ""),
    )


def _summary(values: Values, ctx: FormContext) -> list[Text]:
    contact = ContactShown(values["contact"])
    lines = [
        Text(PROFILE_TITLE),
        Text(N_("Opening hours: {hours}"), {"hours": values["hours"] or "—"}),
        Text(N_("Services: {services}"), {"services": values["services"] or "—"}),
        Text(N_("Fee standards: {fees}"), {"fees": values["fees"] or "—"}),
        Text(N_("Contact shown: {contact}"), {"contact": CONTACT_LABELS[contact]}),
    ]
    if contact is ContactShown.NAME_AND_PHONE:
        lines.append(Text(N_("Phone shown: {phone}"), {"phone": values.get("phone") or "—"}))
    return lines


BOARD_FORMS = {
    "profile": FormSpec(
        "profile",
        Text(PROFILE_TITLE),
        [
            Field(
                "hours",
                Text(N_("Opening hours? e.g. 每天 8:00-20:00.")),
                _text("hours", MAX_HOURS),
            ),
            Field(
                "services",
                Text(N_("Services offered? e.g. 快递收发、代购代销、话费充值、代缴水电费.")),
                _text("services", MAX_LIST),
            ),
            Field(
                "fees",
                Text(N_("Fee standards? e.g. 代收快递免费；寄件首重8元；代缴每笔1元.")),
                _text("fees", MAX_LIST),
            ),
            Field(
                "contact",
                Text(N_("What should villagers see of you on the board?")),
                _contact,
                _contact_choices,
            ),
            Field(
                "phone",
                Text(N_("Which phone number should the board show? (- for none)")),
                _phone,
                skip=lambda values: values.get("contact") != ContactShown.NAME_AND_PHONE,
            ),
        ],
        _build,
        _summary,
    )
}
