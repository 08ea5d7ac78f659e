"""Is a sale's price per unit plausible? `售 脆李 20斤 40000` is 2,000 yuan a jin: a typo
for 400 far more likely than a sale, so the keeper is asked to confirm before it is saved.
Only ever asks, never refuses.

What is usual comes from the product's own past sales: the station's, when it has sold it
often enough (`MIN_HISTORY` sales), else the county's, else the fixed generous ceilings
below (a village sells produce, not gold). From history the usual range is the middle 80 %
of the last sales' prices per unit (10th to 90th percentile, so one odd sale does not
widen it), and a price is "far outside" at more than `FAR` times its top or less than its
bottom divided by `FAR` (`售 脆李 20斤 4` at 0.2 yuan a jin is a typo too). Weights convert
(a sale by the 公斤 tells what a 斤 costs); counted units (箱, 个 …) compare only with
themselves.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bot.domain.money import format_fen
from bot.domain.quantities import GRAMS_PER_UNIT, UNIT_SYMBOLS, Quantity, Unit
from bot.domain.text import N_, Text

MIN_HISTORY = 5  # fewer past sales than this say too little about what is usual
HISTORY_LIMIT = 50  # the last sales looked at (prices move with the seasons)
FAR = 3  # "far outside": beyond three times the usual top, under a third of its bottom

# The highest believable price per unit, in fen.
UNIT_PRICE_CEILING_FEN: dict[Unit, int] = {
    Unit.JIN: 200_00,
    Unit.KG: 400_00,
    Unit.TON: 400_000_00,
    Unit.GRAM: 40,
    Unit.BOX: 2_000_00,
    Unit.PIECE: 2_000_00,
    Unit.BAG: 2_000_00,
    Unit.BASKET: 2_000_00,
    Unit.BOTTLE: 1_000_00,
}
UNIT_PRICE_CONFIRM = N_(
    "That is {price} yuan per {unit}, far above the usual (at most {ceiling} yuan per "
    "{unit}). Is the amount right?"
)


USUAL_AT_STATION = N_(
    "That is {price} yuan per {unit}, far from what {product} usually sells for at this "
    "station: {low}–{high} yuan per {unit} (its last {n} sales). Is the amount right?"
)
USUAL_IN_COUNTY = N_(
    "That is {price} yuan per {unit}, far from what {product} usually sells for in the "
    "county: {low}–{high} yuan per {unit} (its last {n} sales). Is the amount right?"
)


class PriceSource(StrEnum):
    STATION = "station"
    COUNTY = "county"


@dataclass(frozen=True)
class PastSale:
    """One earlier sale of the product, as stored: amount, quantity × 1000, unit."""

    amount_fen: int
    quantity_milli: int
    unit: str


@dataclass(frozen=True)
class UsualPrice:
    """What a product usually sells for per `unit`, from `sales` past sales at `source`."""

    product: str
    unit: Unit
    low_fen: int
    high_fen: int
    sales: int
    source: PriceSource


def _per_unit(sale: PastSale, unit: Unit) -> Decimal | None:
    """The sale's price per `unit` in fen, or None if its unit does not compare."""
    if sale.quantity_milli <= 0 or sale.amount_fen <= 0:
        return None
    try:
        sold_in = Unit(sale.unit)
    except ValueError:
        return None
    per_sold_unit = Decimal(sale.amount_fen) * 1000 / sale.quantity_milli
    if sold_in == unit:
        return per_sold_unit
    if sold_in in GRAMS_PER_UNIT and unit in GRAMS_PER_UNIT:
        return per_sold_unit * GRAMS_PER_UNIT[unit] / GRAMS_PER_UNIT[sold_in]
    return None


def _fen(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def usual_price(
    product: str, unit: Unit, sales: Iterable[PastSale], source: PriceSource
) -> UsualPrice | None:
    """The usual range per `unit` from past sales, or None when too few compare."""
    prices = sorted(p for s in sales if (p := _per_unit(s, unit)) is not None)
    if len(prices) < MIN_HISTORY:
        return None
    last = len(prices) - 1
    # The 10th and 90th percentiles, rounded outwards (generous): one odd, confirmed sale
    # among ten or more does not move them; among fewer the range is lowest to highest.
    low, high = prices[math.floor(last * 0.1)], prices[math.ceil(last * 0.9)]
    return UsualPrice(product, unit, _fen(low), _fen(high), len(prices), source)


@dataclass(frozen=True)
class UnitPriceCheck:
    amount_fen: int
    quantity: Quantity
    usual: UsualPrice | None = None  # None: the fixed ceiling decides

    @property
    def price_fen(self) -> int:
        return _fen(Decimal(self.amount_fen) / self.quantity.amount)

    @property
    def ceiling_fen(self) -> int:
        return UNIT_PRICE_CEILING_FEN[self.quantity.unit]

    @property
    def needs_confirmation(self) -> bool:
        if self.usual is None:
            return self.price_fen > self.ceiling_fen
        price = Decimal(self.amount_fen) / self.quantity.amount
        return price > self.usual.high_fen * FAR or price * FAR < self.usual.low_fen

    def confirmation(self) -> Text:
        unit = UNIT_SYMBOLS[self.quantity.unit]
        price = format_fen(self.price_fen, compact=True)
        if self.usual is None:
            ceiling = format_fen(self.ceiling_fen, compact=True)
            return Text(UNIT_PRICE_CONFIRM, {"price": price, "unit": unit, "ceiling": ceiling})
        message = USUAL_AT_STATION if self.usual.source == PriceSource.STATION else USUAL_IN_COUNTY
        return Text(
            message,
            {
                "price": price,
                "unit": unit,
                "product": self.usual.product,
                "low": format_fen(self.usual.low_fen, compact=True),
                "high": format_fen(self.usual.high_fen, compact=True),
                "n": self.usual.sales,
            },
        )


def check_unit_price(
    amount_fen: int, quantity: Quantity, usual: UsualPrice | None = None
) -> UnitPriceCheck:
    """`usual`: the product's usual range from history, if there is enough of it."""
    if usual is not None and usual.unit != quantity.unit:
        usual = None  # a range for another unit says nothing here
    return UnitPriceCheck(amount_fen, quantity, usual)
