"""Money as keepers type it, held exactly as integer fen (分). Never a float.

Accepted (after Unicode NFKC, so full-width digits, `．`, `，` and `￥` work too):
`1200`, `1,200`, `1200.5`, `1200.50`, `1200元`, `1200元整`, `1200块`, `1200块钱`, `¥1200`,
`RMB 1200`, `CNY1200`, `1200 yuan`, `人民币1200元`, `1.2万` (12,000 yuan), `1.2w`, `3千`,
`3k`, and spaces between the number and these marks.

Refused with a message that says what to type: empty text, anything else that is not a
number, more than 2 decimals (`12.345`, and `1.200`, which may mean 1,200), commas that do
not separate groups of three digits (`1,20`), more than one decimal point (`1.2.3`), zero,
negative amounts and anything above `MAX_FEN` (10,000,000 yuan).

Unusually large but possible amounts are not errors: `check_amount` compares an amount
with the per-kind ceiling in `CEILINGS_FEN` so the front end can ask the keeper to confirm.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum

from bot.domain.chinese_numerals import arabic
from bot.domain.errors import InvalidInput
from bot.domain.text import N_, Text

FEN_PER_YUAN = 100
MAX_FEN = 10_000_000 * FEN_PER_YUAN  # the absolute maximum any amount may have


class AmountKind(StrEnum):
    """What an amount is for; the keys of `CEILINGS_FEN` (they match `EntryKind` values)."""

    PROXY_PURCHASE = "proxy_purchase"
    UPSTREAM_SALE = "upstream_sale"
    SERVICE = "service"
    DECLARED_VALUE = "declared_value"
    FEE = "fee"


# Above these the front end asks the keeper to confirm; nothing is refused.
CEILINGS_FEN: dict[str, int] = {
    AmountKind.PROXY_PURCHASE: 20_000 * FEN_PER_YUAN,
    AmountKind.UPSTREAM_SALE: 50_000 * FEN_PER_YUAN,
    AmountKind.SERVICE: 5_000 * FEN_PER_YUAN,
    AmountKind.DECLARED_VALUE: 10_000 * FEN_PER_YUAN,
    AmountKind.FEE: 500 * FEN_PER_YUAN,
}

AMOUNT_EMPTY = N_("Type an amount in yuan, for example 1200 or 1,200.50.")
AMOUNT_NOT_A_NUMBER = N_(
    "“{value}” is not an amount. Type it in yuan, for example 1200, 1,200.50, ¥1200 or 1.2万."
)
AMOUNT_TOO_PRECISE = N_("Money goes down to the fen: use at most 2 decimals, for example 12.50.")
AMOUNT_BAD_COMMAS = N_(
    "Commas must separate groups of three digits, like 1,200 or 12,000. "
    "For decimals use a point: 12.50."
)
AMOUNT_POINTS = N_("Use only one decimal point, for example 1200.50.")
AMOUNT_ZERO = N_("The amount must be more than 0, for example 1200.")
AMOUNT_NEGATIVE = N_("Type the amount without a minus sign, for example 1200.")
AMOUNT_TOO_LARGE = N_(
    "That is more than {limit} yuan, the most that can be recorded here. "
    "Check the number, for example 1200."
)
AMOUNT_CONFIRM = N_("{amount} yuan is more than usual here (over {ceiling} yuan). Is it right?")

_MAX_TEXT = 40  # longer input is not an amount; also keeps Decimal work small
_SHOWN = 20  # how much of a refused input a message repeats

_PREFIX = re.compile(r"^(?:¥|rmb|cny|人民币)\s*")
_SUFFIX = re.compile(r"\s*(?:元整|元|圆整|圆|块钱|块|yuan|rmb|cny)$")
_MULTIPLIER = re.compile(r"\s*(万|w|千|k)$")
_MULTIPLIERS = {"万": 10_000, "w": 10_000, "千": 1_000, "k": 1_000}
_SIGN = re.compile(r"^([-−－+负])\s*")
_PLAIN = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_NUMBERISH = re.compile(r"[0-9.,]+")


def shown(text: str) -> str:
    """A refused input as a message repeats it: trimmed and cut short."""
    text = text.strip()
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def parse_amount(text: str, *, ceiling_fen: int | None = None, allow_zero: bool = False) -> int:
    """The amount the keeper typed, in fen. Raises `InvalidInput` saying what to type.

    `ceiling_fen` lowers the hard limit (amounts above it are refused); it can never
    raise it above `MAX_FEN`. For the soft per-kind limit that only asks the keeper to
    confirm, use `check_amount`. `allow_zero` accepts 0 (a fee of nothing).
    """
    raw = text
    text = unicodedata.normalize("NFKC", text).strip().lower()
    if not text:
        raise InvalidInput(AMOUNT_EMPTY)
    if len(text) > _MAX_TEXT:
        raise InvalidInput(AMOUNT_NOT_A_NUMBER, value=shown(raw))
    negative = False
    if sign := _SIGN.match(text):
        negative = sign.group(1) != "+"
        text = text[sign.end() :]
    text = _PREFIX.sub("", text, count=1)
    if not negative and (sign := _SIGN.match(text)):  # ¥-1200
        negative = sign.group(1) != "+"
        text = text[sign.end() :]
    # 两千, 一千二百元, 1千2, 三块半: the numeral in digits first, then the usual rules.
    text = arabic(text, lambda rest: not rest or _SUFFIX.fullmatch(rest) is not None)
    text = _SUFFIX.sub("", text, count=1)
    multiplier = 1
    if match := _MULTIPLIER.search(text):
        multiplier = _MULTIPLIERS[match.group(1)]
        text = text[: match.start()]
    value = _decimal(text, raw)
    with localcontext() as ctx:
        ctx.prec = 80  # inputs are at most 40 characters, so every step below is exact
        places = -value.as_tuple().exponent  # type: ignore[operator]
        if multiplier == 1 and places > 2:
            raise InvalidInput(AMOUNT_TOO_PRECISE)
        fen_exact = value * multiplier * FEN_PER_YUAN
        if fen_exact != fen_exact.to_integral_value():
            raise InvalidInput(AMOUNT_TOO_PRECISE)
        fen = int(fen_exact)
    if negative and fen:
        raise InvalidInput(AMOUNT_NEGATIVE)
    if fen == 0 and not allow_zero:
        raise InvalidInput(AMOUNT_ZERO)
    limit = MAX_FEN if ceiling_fen is None else min(ceiling_fen, MAX_FEN)
    if fen > limit:
        raise InvalidInput(AMOUNT_TOO_LARGE, limit=format_fen(limit, compact=True))
    return fen


def _decimal(number: str, raw: str) -> Decimal:
    if _PLAIN.fullmatch(number):
        return Decimal(number)
    if _GROUPED.fullmatch(number):
        return Decimal(number.replace(",", ""))
    if _NUMBERISH.fullmatch(number) and any(ch.isdigit() for ch in number):
        if number.count(".") > 1:
            raise InvalidInput(AMOUNT_POINTS)
        if "," in number:
            raise InvalidInput(AMOUNT_BAD_COMMAS)
    raise InvalidInput(AMOUNT_NOT_A_NUMBER, value=shown(raw))


def needs_confirmation(fen: int, ceiling_fen: int) -> bool:
    """True when an amount is above a soft ceiling and the keeper should confirm it."""
    return fen > ceiling_fen


@dataclass(frozen=True)
class AmountCheck:
    """An amount measured against the soft ceiling of its kind."""

    fen: int
    kind: str
    ceiling_fen: int

    @property
    def needs_confirmation(self) -> bool:
        return needs_confirmation(self.fen, self.ceiling_fen)

    def confirmation(self) -> Text:
        """The question the front end asks before writing an unusually large amount."""
        return Text(
            AMOUNT_CONFIRM,
            {"amount": format_fen(self.fen), "ceiling": format_fen(self.ceiling_fen, compact=True)},
        )


def check_amount(fen: int, kind: str, ceilings: dict[str, int] | None = None) -> AmountCheck:
    """Compare `fen` with the ceiling of `kind` (from `ceilings`, default `CEILINGS_FEN`)."""
    table = CEILINGS_FEN if ceilings is None else ceilings
    return AmountCheck(fen=fen, kind=str(kind), ceiling_fen=table[kind])


def format_fen(fen: int, *, compact: bool = False) -> str:
    """`123450` → `1,234.50`; with `compact`, whole yuan drop the fen: `1,234`."""
    sign = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), FEN_PER_YUAN)
    if compact and rest == 0:
        return f"{sign}{yuan:,}"
    return f"{sign}{yuan:,}.{rest:02d}"


def format_yuan(fen: int, *, symbol: bool = False, compact: bool = False) -> str:
    """`1,234.50元`, or with `symbol` `¥1,234.50` (a minus sign goes before the ¥)."""
    number = format_fen(abs(fen), compact=compact)
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{number}" if symbol else f"{sign}{number}元"


def fen_to_yuan(fen: int) -> Decimal:
    """Exact yuan for arithmetic or export: `123450` → `Decimal('1234.50')`."""
    return Decimal(fen).scaleb(-2)
