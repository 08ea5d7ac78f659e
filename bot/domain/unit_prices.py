"""Is a sale's price per unit plausible? `售 脆李 20斤 40000` is 2,000 yuan a jin: a typo
for 400 far more likely than a sale, so the keeper is asked to confirm before it is saved.
The lines are generous (a village sells produce, not gold) and only ever ask, never refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.money import format_fen
from bot.domain.quantities import UNIT_SYMBOLS, Quantity, Unit
from bot.domain.text import N_, Text

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


@dataclass(frozen=True)
class UnitPriceCheck:
    amount_fen: int
    quantity: Quantity

    @property
    def price_fen(self) -> int:
        price = Decimal(self.amount_fen) / self.quantity.amount
        return int(price.to_integral_value(rounding=ROUND_HALF_UP))

    @property
    def ceiling_fen(self) -> int:
        return UNIT_PRICE_CEILING_FEN[self.quantity.unit]

    @property
    def needs_confirmation(self) -> bool:
        return self.price_fen > self.ceiling_fen

    def confirmation(self) -> Text:
        return Text(
            UNIT_PRICE_CONFIRM,
            {
                "price": format_fen(self.price_fen, compact=True),
                "unit": UNIT_SYMBOLS[self.quantity.unit],
                "ceiling": format_fen(self.ceiling_fen, compact=True),
            },
        )


def check_unit_price(amount_fen: int, quantity: Quantity) -> UnitPriceCheck:
    return UnitPriceCheck(amount_fen, quantity)
