"""The keeper's step-by-step ledger forms: intake (in batches), shipment, sale, proxy
purchase, convenience service. Every field parses with the one-line forms' own rules
(`bot.domain.one_line`: the same limits, the same messages), and every form ends in the
same command the one-line form makes, so the two paths cannot drift apart.
"""

from __future__ import annotations

from decimal import Decimal

from bot.domain.carriers import CARRIER_NAMES_EN, CARRIER_NAMES_ZH, Carrier, guess_carrier
from bot.domain.commands import (
    RecordIntake,
    RecordProxyPurchase,
    RecordSale,
    RecordService,
    RecordShipment,
)
from bot.domain.errors import InvalidInput
from bot.domain.ledger import (
    CHANNEL_LABELS,
    NOTIFIED_LABELS,
    SERVICE_KIND_LABELS,
    TRACKED,
    EntryKind,
    Notified,
    SaleChannel,
    ServiceKind,
)
from bot.domain.money import AmountKind, format_fen, parse_amount
from bot.domain.one_line import MAX_NAME, MAX_PRODUCT, MAX_TEXT, check_text, parse_tracking_no
from bot.domain.phones import PhoneInput, parse_phone
from bot.domain.quantities import Quantity, Unit, format_quantity, parse_quantity, weight_grams
from bot.domain.text import N_, Text
from bot.services.forms.engine import Choice, Field, FormContext, FormSpec, Values

ALREADY_LOGGED = N_(
    "{tracking} is already logged (entry #{id}, {when}); it was not logged again. "
    "Send another tracking number, or cancel."
)


def carrier_name(code: str | None, language: str) -> str:
    if not code:
        return "—"
    names = CARRIER_NAMES_ZH if language == "zh" else CARRIER_NAMES_EN
    try:
        return names[Carrier(code)]
    except ValueError:
        return code


# --- field parsers ---------------------------------------------------------------------


def _tracking(kind: EntryKind):
    direction = TRACKED[kind]

    async def parse(text: str, ctx: FormContext, values: Values) -> Values:
        number = parse_tracking_no(text)
        # Checked here, at the step, so the keeper is told at once which entry has it
        # (the service checks again when saving: two keepers can race).
        existing = await ctx.tracked(number, direction)
        if existing is not None:
            raise InvalidInput(
                ALREADY_LOGGED,
                tracking=number,
                id=existing.id,
                when=existing.occurred_at.strftime("%m-%d"),
            )
        guess = guess_carrier(number)
        found: Values = {"tracking_no": number, "carrier": None, "carrier_asked": False}
        if guess.confident and guess.carrier is not None:
            found["carrier"] = guess.carrier.value
        else:
            found["candidates"] = [c.value for c in guess.candidates][:5]
        return found

    return parse


def carrier_named(text: str) -> Carrier | None:
    """The carrier a keeper names: its code (SF), its full name (顺丰速运, SF Express) or
    the short Chinese name everyone says (顺丰, 中通, 邮政)."""
    text = " ".join(text.split())
    for carrier in Carrier:
        names = (carrier.name_zh, carrier.name_en.upper(), carrier.name_zh.removeprefix("中国"))
        if text.upper() == carrier.value or text.upper() in names:
            return carrier
        if len(text) == 2 and carrier.name_zh.removeprefix("中国").startswith(text):
            return carrier
    return None


async def _carrier(text: str, ctx: FormContext, values: Values) -> Values:
    if text == "-":
        return {"carrier": None, "carrier_asked": True}
    carrier = carrier_named(text)
    if carrier is not None:
        return {"carrier": carrier.value, "carrier_asked": True}
    raise InvalidInput(N_("Pick the carrier from the list, or send - if you don't know."))


READ_AS = N_(
    "Read as {carrier} {tracking}. If that is wrong, send the number again "
    "(or the carrier's name, e.g. 中通)."
)
READ_AS_NO_CARRIER = N_("Read as {tracking}. If that is wrong, send the number again.")


def _read_as(values: Values, ctx: FormContext) -> Text:
    number = values["tracking_no"]
    if values.get("carrier"):
        carrier = carrier_name(values["carrier"], ctx.language)
        return Text(READ_AS, {"carrier": carrier, "tracking": number})
    return Text(READ_AS_NO_CARRIER, {"tracking": number})


def _tracking_correction(kind: EntryKind):
    parse = _tracking(kind)

    async def correct(text: str, ctx: FormContext, values: Values) -> Values | None:
        """The number sent again (typed, or decoded from another photo) or the carrier
        named, at the step after the number: a correction, not an answer to that step.
        A recipient's name or a carrier picked from the list is neither."""
        carrier = carrier_named(text)
        if carrier is not None:
            return {"carrier": carrier.value, "carrier_asked": True}
        try:
            parse_tracking_no(text)
        except InvalidInput:
            return None
        return {"candidates": [], **await parse(text, ctx, values)}

    return correct


def _words(key: str, limit: int, example: str):
    async def parse(text: str, ctx: FormContext, values: Values) -> Values:
        value = " ".join(text.split())
        if not value or value.startswith("/") or not any(ch.isalpha() for ch in value):
            raise InvalidInput(N_("Type a name, for example {example}."), example=example)
        return {key: check_text(value, limit)}

    return parse


async def _phone(text: str, ctx: FormContext, values: Values) -> Values:
    phone = parse_phone(text)
    # The full number is hashed at once: dialog state is stored, the number must not be.
    digest = ctx.digest_phone(phone.full) if phone.full else None
    return {"phone_last4": phone.last4, "phone_digest": digest}


def _amount(key: str, *, allow_zero: bool = False):
    async def parse(text: str, ctx: FormContext, values: Values) -> Values:
        return {key: parse_amount(text, allow_zero=allow_zero)}

    return parse


async def _weight(text: str, ctx: FormContext, values: Values) -> Values:
    quantity = parse_quantity(text)
    if not quantity.is_weight:
        raise InvalidInput(N_("Give the weight in 斤, 公斤 or 克, for example 10斤."))
    return {"weight_g": weight_grams(quantity), "weight_text": format_quantity(quantity)}


async def _quantity(text: str, ctx: FormContext, values: Values) -> Values:
    quantity = parse_quantity(text)
    return {"quantity": str(quantity.amount), "unit": quantity.unit.value}


def _enum(key: str, enum: type, error: str):
    async def parse(text: str, ctx: FormContext, values: Values) -> Values:
        try:
            return {key: enum(text).value}
        except ValueError:
            raise InvalidInput(error) from None

    return parse


# --- choices ---------------------------------------------------------------------------


async def _carrier_choices(ctx: FormContext, values: Values) -> list[Choice]:
    first = [Carrier(c) for c in values.get("candidates", [])]
    rest = [c for c in Carrier if c not in first]
    shown = [Choice(carrier_name(c.value, ctx.language), c.value) for c in [*first, *rest]]
    return [*shown[:12], Choice(Text(N_("Don't know")), "-")]


async def _product_choices(ctx: FormContext, values: Values) -> list[Choice]:
    return [Choice(name, name) for name in (await ctx.products())[:12]]


def _labels(labels: dict):
    async def choices(ctx: FormContext, values: Values) -> list[Choice]:
        return [Choice(Text(label), value.value) for value, label in labels.items()]

    return choices


async def _no_fee(ctx: FormContext, values: Values) -> list[Choice]:
    return [Choice(Text(N_("No fee")), "0")]


# --- summaries -------------------------------------------------------------------------

LINE = N_("{label}: {value}")
YUAN_LINE = N_("{label}: {amount} yuan")


def summary(title: str):
    def lines(values: Values, ctx: FormContext) -> list[Text]:
        out = [Text(title)]

        def add(label: str, value) -> None:
            out.append(Text(LINE, {"label": label, "value": value}))

        if values.get("tracking_no"):
            add(N_("Tracking number"), values["tracking_no"])
        if values.get("carrier"):
            add(N_("Carrier"), carrier_name(values["carrier"], ctx.language))
        for key, label in (
            ("product", N_("Product")),
            ("weight_text", N_("Weight")),
            ("item", N_("Item")),
            ("note", N_("Note")),
        ):
            if values.get(key):
                add(label, values[key])
        if values.get("quantity"):
            add(N_("Quantity"), format_quantity(_quantity_of(values)))
        if values.get("channel"):
            add(N_("Channel"), CHANNEL_LABELS[SaleChannel(values["channel"])])
        if values.get("service_kind"):
            add(N_("Service"), SERVICE_KIND_LABELS[ServiceKind(values["service_kind"])])
        for key, label in (
            ("value_fen", N_("Declared value")),
            ("amount_fen", N_("Amount")),
            ("fee_fen", N_("Fee")),
        ):
            if key in values:
                amount = format_fen(values[key], compact=True)
                out.append(Text(YUAN_LINE, {"label": label, "amount": amount}))
        return out

    return lines


def _quantity_of(values: Values) -> Quantity:
    return Quantity(Decimal(values["quantity"]), Unit(values["unit"]))


# --- the commands the forms end in -----------------------------------------------------


def _intake(v: Values) -> RecordIntake:
    return RecordIntake(
        v["tracking_no"],
        v["recipient_name"],
        PhoneInput(last4_only=v["phone_last4"]),
        carrier=v.get("carrier"),
        notified=Notified(v["notified"]),
        phone_digest=v.get("phone_digest"),
    )


def _ship(v: Values) -> RecordShipment:
    return RecordShipment(
        v["tracking_no"], v["product"], v["weight_g"], v["value_fen"], carrier=v.get("carrier")
    )


def _sale(v: Values) -> RecordSale:
    return RecordSale(v["product"], _quantity_of(v), v["amount_fen"], SaleChannel(v["channel"]))


def _proxy(v: Values) -> RecordProxyPurchase:
    return RecordProxyPurchase(v["item"], v["amount_fen"], v["fee_fen"])


def _service(v: Values) -> RecordService:
    return RecordService(ServiceKind(v["service_kind"]), v["amount_fen"], v["fee_fen"])


# --- the forms -------------------------------------------------------------------------


def _tracking_field(kind: EntryKind) -> Field:
    return Field(
        "tracking",
        Text(N_("Send the tracking number, or a photo of the waybill barcode.")),
        _tracking(kind),
        accepts_media=True,
        read_as=_read_as,
        correct=_tracking_correction(kind),
    )


CARRIER = Field(
    "carrier",
    Text(N_("Which carrier is it?")),
    _carrier,
    _carrier_choices,
    skip=lambda v: v.get("carrier") is not None or v.get("carrier_asked", False),
)
PRODUCT = Field(
    "product",
    Text(N_("Which product? Pick one or type a new name, e.g. 脆李.")),
    _words("product", MAX_PRODUCT, "脆李"),
    _product_choices,
)
FEE_PROMPT = N_("Service fee in yuan? e.g. {example}, or choose No fee.")


def _fee_field(prompt: Text) -> Field:
    return Field("fee", prompt, _amount("fee_fen", allow_zero=True), _no_fee)


INTAKE_TITLE = N_("📦 Parcel intake")
SHIP_TITLE = N_("🚚 Upstream shipment")
SALE_TITLE = N_("💰 Upstream sale")
PROXY_TITLE = N_("🛒 Proxy purchase")
SERVICE_TITLE = N_("🧾 Convenience service")

LEDGER_FORMS: dict[str, FormSpec] = {
    spec.name: spec
    for spec in (
        FormSpec(
            "intake",
            Text(INTAKE_TITLE),
            [
                _tracking_field(EntryKind.PARCEL_IN),
                CARRIER,
                Field(
                    "recipient",
                    Text(N_("Recipient's name?")),
                    _words("recipient_name", MAX_NAME, "张三"),
                ),
                Field(
                    "phone",
                    Text(
                        N_(
                            "Recipient's phone: the last 4 digits, or the full number "
                            "from the waybill (only a keyed hash of it is kept)."
                        )
                    ),
                    _phone,
                ),
                Field(
                    "notified",
                    Text(N_("How was the recipient told?")),
                    _enum("notified", Notified, N_("Pick how the recipient was told.")),
                    _labels(NOTIFIED_LABELS),
                ),
            ],
            _intake,
            summary(INTAKE_TITLE),
            confirm=False,
            batch=True,
        ),
        FormSpec(
            "ship",
            Text(SHIP_TITLE),
            [
                _tracking_field(EntryKind.UPSTREAM_SHIPMENT),
                CARRIER,
                PRODUCT,
                Field("weight", Text(N_("Weight? e.g. 10斤 or 5公斤.")), _weight),
                Field(
                    "value",
                    Text(N_("Declared value in yuan? e.g. 85.")),
                    _amount("value_fen"),
                ),
            ],
            _ship,
            summary(SHIP_TITLE),
            amounts=[("value_fen", AmountKind.DECLARED_VALUE)],
        ),
        FormSpec(
            "sale",
            Text(SALE_TITLE),
            [
                PRODUCT,
                Field("quantity", Text(N_("Quantity? e.g. 20斤, 5箱.")), _quantity),
                Field(
                    "amount",
                    Text(N_("Amount received in yuan? e.g. 400.")),
                    _amount("amount_fen"),
                ),
                Field(
                    "channel",
                    Text(N_("Sold through which channel? (Other if none fits.)")),
                    _enum("channel", SaleChannel, N_("Pick the channel from the list.")),
                    _labels(CHANNEL_LABELS),
                ),
            ],
            _sale,
            summary(SALE_TITLE),
            amounts=[("amount_fen", AmountKind.UPSTREAM_SALE)],
        ),
        FormSpec(
            "proxy",
            Text(PROXY_TITLE),
            [
                Field(
                    "item",
                    Text(N_("What was bought? e.g. 洗衣机.")),
                    _words("item", MAX_TEXT, "洗衣机"),
                ),
                Field("amount", Text(N_("Amount in yuan? e.g. 1299.")), _amount("amount_fen")),
                _fee_field(Text(FEE_PROMPT, {"example": "20"})),
            ],
            _proxy,
            summary(PROXY_TITLE),
            amounts=[("amount_fen", AmountKind.PROXY_PURCHASE), ("fee_fen", AmountKind.FEE)],
        ),
        FormSpec(
            "service",
            Text(SERVICE_TITLE),
            [
                Field(
                    "kind",
                    Text(N_("Which service?")),
                    _enum("service_kind", ServiceKind, N_("Pick the service from the list.")),
                    _labels(SERVICE_KIND_LABELS),
                ),
                Field("amount", Text(N_("Amount in yuan? e.g. 200.")), _amount("amount_fen")),
                _fee_field(Text(FEE_PROMPT, {"example": "2"})),
            ],
            _service,
            summary(SERVICE_TITLE),
            amounts=[("amount_fen", AmountKind.SERVICE), ("fee_fen", AmountKind.FEE)],
        ),
    )
}
