"""Express carriers and tracking numbers (快递公司与运单号).

A keeper logs a parcel by its tracking number, typed or decoded from the waybill barcode.
This module cleans the number up and guesses the carrier from its shape.

Only a few shapes name the carrier for certain: a letter prefix that nobody else uses
(SF…, JD…, YT…, JT…, DPK…) or a UPU S10 item number (`EA123456789CN`) whose check digit
holds. Purely numeric numbers overlap between carriers (a 13-digit number may be Yunda, EMS
or China Post), so for them the guess is a ranked list of candidates with `confident=False`
and the chat asks the keeper to pick. The numeric rules are heuristics compiled from public
carrier examples; they rank candidates, they never refuse a number.

Standard library only: the domain depends on nothing but itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.errors import InvalidInput
from bot.domain.text import N_


class Carrier(StrEnum):
    """An express carrier; the value is the code stored with a ledger entry (≤ 20 chars)."""

    SF = "SF"
    JD = "JD"
    YTO = "YTO"
    ZTO = "ZTO"
    STO = "STO"
    YUNDA = "YUNDA"
    EMS = "EMS"
    CHINA_POST = "POST"
    JT = "JT"
    BEST = "BEST"
    DEPPON = "DEPPON"
    CAINIAO = "CAINIAO"

    @property
    def name_zh(self) -> str:
        return CARRIER_NAMES_ZH[self]

    @property
    def name_en(self) -> str:
        return CARRIER_NAMES_EN[self]


CARRIER_NAMES_ZH: dict[Carrier, str] = {
    Carrier.SF: "顺丰速运",
    Carrier.JD: "京东快递",
    Carrier.YTO: "圆通速递",
    Carrier.ZTO: "中通快递",
    Carrier.STO: "申通快递",
    Carrier.YUNDA: "韵达快递",
    Carrier.EMS: "EMS",
    Carrier.CHINA_POST: "中国邮政",
    Carrier.JT: "极兔速递",
    Carrier.BEST: "百世快递",
    Carrier.DEPPON: "德邦快递",
    Carrier.CAINIAO: "菜鸟速递",
}

CARRIER_NAMES_EN: dict[Carrier, str] = {
    Carrier.SF: "SF Express",
    Carrier.JD: "JD Logistics",
    Carrier.YTO: "YTO Express",
    Carrier.ZTO: "ZTO Express",
    Carrier.STO: "STO Express",
    Carrier.YUNDA: "Yunda Express",
    Carrier.EMS: "EMS",
    Carrier.CHINA_POST: "China Post",
    Carrier.JT: "J&T Express",
    Carrier.BEST: "Best Express",
    Carrier.DEPPON: "Deppon Express",
    Carrier.CAINIAO: "Cainiao",
}


@dataclass(frozen=True)
class CarrierGuess:
    """What the shape of a tracking number says about its carrier.

    `confident=True`: `carrier` is certain; record it without asking.
    `confident=False`: `candidates` are the plausible carriers, most likely first, and
    `carrier` is the first of them (None when the shape matches no known carrier); the chat
    should let the keeper pick (candidates first, then the full list).
    """

    carrier: Carrier | None
    confident: bool
    candidates: tuple[Carrier, ...] = ()


UNKNOWN = CarrierGuess(None, False)

MIN_LENGTH = 8
MAX_LENGTH = 30
_VALID_RE = re.compile(rf"^[A-Z0-9]{{{MIN_LENGTH},{MAX_LENGTH}}}$")
# Whitespace, dashes and hyphens a keeper (or a phone keyboard) may put inside a number.
_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015\u2212\uFE58\uFE63]+")


def _clean(raw: str) -> str:
    return _SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", raw)).upper()


def normalise_tracking_number(raw: str) -> str:
    """NFKC (full-width digits from a Chinese keyboard become ASCII), drop spaces and dashes,
    upper-case, then require 8–30 letters and digits. Raises InvalidInput otherwise."""
    number = _clean(raw)
    if not number:
        raise InvalidInput(N_("Send the tracking number, for example SF1234567890123."))
    if not _VALID_RE.match(number):
        raise InvalidInput(
            N_(
                "A tracking number is 8 to 30 letters and digits, "
                "for example SF1234567890123 or 773194917396313."
            )
        )
    return number


# --- UPU S10 item numbers: two letters, 8 digits, a check digit, ISO country code ---------

_S10_RE = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial number (weights 8 6 4 2 3 5 9 7, mod 11)."""
    if len(serial) != 8 or not serial.isdigit():
        raise ValueError("an S10 serial number is 8 digits")
    remainder = sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    return {10: 0, 11: 5}.get(check, check)


def is_s10(number: str) -> bool:
    """True for a well-formed S10 item number (e.g. EA123456785CN) with a valid check digit."""
    match = _S10_RE.match(_clean(number))
    return bool(match) and s10_check_digit(match.group(2)) == int(match.group(3))


def _s10_carrier(number: str) -> Carrier:
    # Service indicator E… is EMS; every other S10 item travels through China Post
    # (domestic registered mail or an inbound international item).
    return Carrier.EMS if number.startswith("E") else Carrier.CHINA_POST


# --- Prefixes nobody else uses: certain ----------------------------------------------------

_CERTAIN: tuple[tuple[re.Pattern[str], Carrier], ...] = (
    (re.compile(r"^SF\d{12,13}$"), Carrier.SF),
    (re.compile(r"^JD[A-Z]{0,3}\d{9,15}$"), Carrier.JD),  # JD…, JDV…, JDVA…, JDX…
    (re.compile(r"^YT\d{13,15}$"), Carrier.YTO),
    (re.compile(r"^JT\d{13}$"), Carrier.JT),
    (re.compile(r"^DPK\d{9,15}$"), Carrier.DEPPON),
)

# --- Shapes shared between carriers: candidates, scored 3 (typical) to 1 (possible) --------

_LIKELY: tuple[tuple[re.Pattern[str], Carrier, int], ...] = (
    # 15 digits
    (re.compile(r"^77\d{13}$"), Carrier.STO, 3),  # 773…
    (re.compile(r"^(31|43|46)\d{13}$"), Carrier.YUNDA, 3),
    (re.compile(r"^43\d{13}$"), Carrier.STO, 1),
    (re.compile(r"^4\d{14}$"), Carrier.CHINA_POST, 1),
    (re.compile(r"^621\d{12}$"), Carrier.CAINIAO, 2),
    # 14 digits
    (re.compile(r"^7[3-9]\d{12}$"), Carrier.ZTO, 3),  # 73…, 75…, 78…
    (re.compile(r"^[67]\d{13}$"), Carrier.BEST, 1),
    # 13 digits
    (re.compile(r"^(10|12|19|31|43|46|53|55)\d{11}$"), Carrier.YUNDA, 2),
    (re.compile(r"^1\d{12}$"), Carrier.EMS, 2),
    (re.compile(r"^9[6-9]\d{11}$"), Carrier.CHINA_POST, 2),  # 邮政快递包裹 98…, 99…
    (re.compile(r"^(50|51|95|97)\d{11}$"), Carrier.EMS, 1),
    (re.compile(r"^(4\d|33|55|66)\d{11}$"), Carrier.STO, 1),
    # 12–13 digits
    (re.compile(r"^(268|368|468|568|668|868|888|900)\d{9,10}$"), Carrier.STO, 3),
    (re.compile(r"^[567]\d{11}$"), Carrier.ZTO, 2),
    (re.compile(r"^(50|51)\d{12}$"), Carrier.BEST, 1),
    # 8–10 digits
    (re.compile(r"^\d{8,10}$"), Carrier.DEPPON, 1),
    # Letters that are telling but not exclusive
    (re.compile(r"^LP\d{14}$"), Carrier.CAINIAO, 3),  # Cainiao logistics order number
    (re.compile(r"^E[A-Z]\d{9}[A-Z]{2}$"), Carrier.EMS, 2),  # S10 shape, bad check digit
    (re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$"), Carrier.CHINA_POST, 2),
)


def guess_carrier(number: str) -> CarrierGuess:
    """The carrier a tracking number's shape points to. Never raises: a number no rule
    knows gives `CarrierGuess(None, False)`. Accepts raw input (it is cleaned first)."""
    number = _clean(number)
    if not _VALID_RE.match(number):
        return UNKNOWN
    if is_s10(number):
        carrier = _s10_carrier(number)
        return CarrierGuess(carrier, True, (carrier,))
    for pattern, carrier in _CERTAIN:
        if pattern.match(number):
            return CarrierGuess(carrier, True, (carrier,))
    scores: dict[Carrier, int] = {}
    for pattern, carrier, score in _LIKELY:
        if pattern.match(number):
            scores[carrier] = max(score, scores.get(carrier, 0))
    if not scores:
        return UNKNOWN
    # Highest score first; ties keep the order of the rules above (dicts keep insertion order).
    ranked = tuple(sorted(scores, key=lambda c: -scores[c]))
    return CarrierGuess(ranked[0], False, ranked)
