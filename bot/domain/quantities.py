"""Quantities of produce as keepers type them: `10斤`, `5公斤`, `5kg`, `1.5吨`, `3箱`, `20个`.

The units a village station meets (Chinese and English aliases, case-insensitive, after
Unicode NFKC so full-width `ｋｇ` and `１０` work):

| unit | aliases | kind |
|---|---|---|
| jin | 斤 市斤 jin | weight, 1 斤 = 500 g exactly |
| kg | 公斤 千克 kg kgs kilo kilos | weight |
| t | 吨 t ton tons tonne tonnes | weight (bulk sales to buyers are priced by the ton) |
| g | 克 g gram grams | weight (small parcels) |
| box | 箱 盒 box boxes carton cartons ctn | count |
| piece | 个 件 只 头 枚 颗 pc pcs piece pieces | count |
| bag | 袋 包 bag bags | count |
| basket | 筐 篮 篓 basket baskets | count |
| bottle | 瓶 罐 bottle bottles jar jars | count |

Amounts are exact `Decimal`s with at most 3 decimals; counted units and grams take whole
numbers only. A space between number and unit is fine (`10 斤`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from bot.domain.chinese_numerals import arabic
from bot.domain.errors import InvalidInput
from bot.domain.text import N_


class Unit(StrEnum):
    JIN = "jin"
    KG = "kg"
    TON = "t"
    GRAM = "g"
    BOX = "box"
    PIECE = "piece"
    BAG = "bag"
    BASKET = "basket"
    BOTTLE = "bottle"


GRAMS_PER_UNIT: dict[Unit, int] = {Unit.JIN: 500, Unit.KG: 1000, Unit.TON: 1_000_000, Unit.GRAM: 1}
WEIGHT_UNITS = frozenset(GRAMS_PER_UNIT)
WHOLE_UNITS = frozenset({Unit.GRAM, Unit.BOX, Unit.PIECE, Unit.BAG, Unit.BASKET, Unit.BOTTLE})

# How a quantity is written back: the usual Chinese unit word.
UNIT_SYMBOLS: dict[Unit, str] = {
    Unit.JIN: "斤",
    Unit.KG: "公斤",
    Unit.TON: "吨",
    Unit.GRAM: "克",
    Unit.BOX: "箱",
    Unit.PIECE: "个",
    Unit.BAG: "袋",
    Unit.BASKET: "筐",
    Unit.BOTTLE: "瓶",
}

UNIT_ALIASES: dict[str, Unit] = {
    **dict.fromkeys(("斤", "市斤", "jin"), Unit.JIN),
    **dict.fromkeys(("公斤", "千克", "kg", "kgs", "kilo", "kilos"), Unit.KG),
    **dict.fromkeys(("吨", "t", "ton", "tons", "tonne", "tonnes"), Unit.TON),
    **dict.fromkeys(("克", "g", "gram", "grams"), Unit.GRAM),
    **dict.fromkeys(("箱", "盒", "box", "boxes", "carton", "cartons", "ctn"), Unit.BOX),
    **dict.fromkeys(
        ("个", "件", "只", "头", "枚", "颗", "pc", "pcs", "piece", "pieces"), Unit.PIECE
    ),
    **dict.fromkeys(("袋", "包", "bag", "bags"), Unit.BAG),
    **dict.fromkeys(("筐", "篮", "篓", "basket", "baskets"), Unit.BASKET),
    **dict.fromkeys(("瓶", "罐", "bottle", "bottles", "jar", "jars"), Unit.BOTTLE),
}

MAX_DECIMALS = 3
MAX_AMOUNT = Decimal(1_000_000)  # in any unit
MAX_WEIGHT_GRAMS = 1_000_000_000  # 1,000 t

QUANTITY_EMPTY = N_("Type a quantity with its unit, for example 10斤, 5公斤, 3箱 or 20个.")
QUANTITY_NOT_A_NUMBER = N_(
    "“{value}” is not a quantity. Type a number and a unit, for example 10斤, 5kg or 3箱."
)
QUANTITY_NO_UNIT = N_("Add a unit to the quantity, for example 10斤, 5kg or 3箱.")
QUANTITY_UNKNOWN_UNIT = N_(
    "“{unit}” is not a unit I know. Use 斤, 公斤, 吨, 克, 箱, 个, 件, 袋, 筐 or 瓶, "
    "for example 10斤."
)
QUANTITY_TOO_PRECISE = N_("Use at most 3 decimals in a quantity, for example 2.5斤.")
QUANTITY_NOT_WHOLE = N_(
    "Boxes, pieces, bags, baskets, bottles and grams are whole numbers, for example 3箱."
)
QUANTITY_ZERO = N_("The quantity must be more than 0, for example 10斤.")
QUANTITY_NEGATIVE = N_("Type the quantity without a minus sign, for example 10斤.")
QUANTITY_TOO_LARGE = N_("That quantity is too large to be right. Check it, for example 10斤.")

_MAX_TEXT = 30
_SHOWN = 20
_QUANTITY = re.compile(r"([-−+]?)\s*([0-9.,]*[0-9][0-9.,]*)\s*(.*)")
_PLAIN = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?")
# A whole token that is a number directly followed by a unit alias (used by forms.py).
UNIT_PATTERN = "|".join(re.escape(a) for a in sorted(UNIT_ALIASES, key=len, reverse=True))
QUANTITY_TOKEN = re.compile(rf"[-−+]?[0-9.,]*[0-9][0-9.,]*\s*(?:{UNIT_PATTERN})", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    amount: Decimal
    unit: Unit

    @property
    def is_weight(self) -> bool:
        return self.unit in WEIGHT_UNITS

    @property
    def milli(self) -> int:
        """The amount in thousandths, for storage (`ledger_entries.quantity_milli`)."""
        return int(self.amount.scaleb(3))

    @classmethod
    def from_milli(cls, milli: int, unit: Unit | str) -> Quantity:
        return cls(Decimal(milli).scaleb(-3).normalize(), Unit(unit))

    def __str__(self) -> str:
        return format_quantity(self)


def _shown(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def parse_unit(text: str) -> Unit:
    """A unit word (`斤`, `KG`, `箱` …) → `Unit`. Raises `InvalidInput` for others."""
    word = unicodedata.normalize("NFKC", text).strip().lower()
    if not word:
        raise InvalidInput(QUANTITY_NO_UNIT)
    try:
        return UNIT_ALIASES[word]
    except KeyError:
        raise InvalidInput(QUANTITY_UNKNOWN_UNIT, unit=_shown(text)) from None


def parse_quantity(text: str) -> Quantity:
    """`10斤`, `5 kg`, `1.5吨`, `３箱` → `Quantity`. Raises `InvalidInput` saying what to type."""
    raw = text
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise InvalidInput(QUANTITY_EMPTY)
    # 十斤, 半斤, 一斤半, 三箱: the numeral in digits first, then the usual rules.
    text = arabic(text, lambda rest: rest.strip().lower() in UNIT_ALIASES)
    match = _QUANTITY.fullmatch(text)
    if len(text) > _MAX_TEXT or not match:
        raise InvalidInput(QUANTITY_NOT_A_NUMBER, value=_shown(raw))
    sign, number, unit_word = match.groups()
    if _PLAIN.fullmatch(number):
        amount = Decimal(number)
    elif _GROUPED.fullmatch(number):
        amount = Decimal(number.replace(",", ""))
    else:
        raise InvalidInput(QUANTITY_NOT_A_NUMBER, value=_shown(raw))
    unit = parse_unit(unit_word)
    if -amount.as_tuple().exponent > MAX_DECIMALS:  # type: ignore[operator]
        raise InvalidInput(QUANTITY_TOO_PRECISE)
    if sign in ("-", "−") and amount:
        raise InvalidInput(QUANTITY_NEGATIVE)
    if amount == 0:
        raise InvalidInput(QUANTITY_ZERO)
    if unit in WHOLE_UNITS and amount != amount.to_integral_value():
        raise InvalidInput(QUANTITY_NOT_WHOLE)
    if amount > MAX_AMOUNT or (
        unit in WEIGHT_UNITS and amount * GRAMS_PER_UNIT[unit] > MAX_WEIGHT_GRAMS
    ):
        raise InvalidInput(QUANTITY_TOO_LARGE)
    return Quantity(amount, unit)


def weight_grams(quantity: Quantity) -> int:
    """The weight in whole grams (half grams round up). `ValueError` for counted units."""
    if quantity.unit not in WEIGHT_UNITS:
        raise ValueError(f"{quantity.unit} is not a unit of weight")
    with localcontext() as ctx:
        ctx.prec = 40
        grams = quantity.amount * GRAMS_PER_UNIT[quantity.unit]
        return int(grams.to_integral_value(rounding=ROUND_HALF_UP))


def format_quantity(quantity: Quantity) -> str:
    """`Quantity(Decimal('10.0'), Unit.JIN)` → `10斤` (no trailing zeros)."""
    number = format(quantity.amount.normalize(), "f")
    return f"{number}{UNIT_SYMBOLS[quantity.unit]}"
