"""Chinese numerals as keepers write amounts and quantities: 两千, 一千二, 1千2, 两万五,
一百零五, 十斤, 半斤, 一斤半, 三箱, 三块半. Only unambiguous numbers are read; anything else
(一二, 千 alone, 十百) is left as typed, so the usual parser refuses it with the usual help.

`arabic(word, rest_ok)` rewrites the numeral at the start of `word` in digits when what
follows it passes `rest_ok` (nothing, a currency word, a unit): a product called 三黄鸡 or
十三香 is never read as a number.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

DIGITS = {
    **dict.fromkeys("零〇", 0),
    **dict.fromkeys("一壹", 1),
    **dict.fromkeys("二贰两", 2),
    **dict.fromkeys("三叁", 3),
    **dict.fromkeys("四肆", 4),
    **dict.fromkeys("五伍", 5),
    **dict.fromkeys("六陆", 6),
    **dict.fromkeys("七柒", 7),
    **dict.fromkeys("八捌", 8),
    **dict.fromkeys("九玖", 9),
}
SMALL_UNITS = {
    **dict.fromkeys("十拾", 10),
    **dict.fromkeys("百佰", 100),
    **dict.fromkeys("千仟", 1000),
}
WAN = "万"
HALF = "半"
_CHINESE = set(DIGITS) | set(SMALL_UNITS) | {WAN}
_ARABIC = set("0123456789.")


def _tokens(text: str) -> list[str] | None:
    tokens: list[str] = []
    for ch in text:
        if ch in _ARABIC and tokens and tokens[-1][-1] in _ARABIC:
            tokens[-1] += ch
        elif ch in _ARABIC or ch in _CHINESE:
            tokens.append(ch)
        else:
            return None
    return tokens


def parse_chinese_number(text: str) -> Decimal | None:
    """The value of a numeral such as 一千二 (1200) or 1千2 (1200); None when `text` is
    not one, or not unambiguously one."""
    if text == HALF:
        return Decimal("0.5")
    tokens = _tokens(text)
    if not tokens or not any(t in _CHINESE for t in tokens):
        return None
    total = section = Decimal(0)
    pending: Decimal | None = None
    last_unit: int | None = None
    zero = after_wan = False
    for token in tokens:
        if token in DIGITS and DIGITS[token] == 0 and token != "两":
            if pending is not None:
                return None
            zero = True
        elif token in DIGITS or token[0] in _ARABIC:
            if pending is not None:  # 一二: two digits in a row say nothing certain
                return None
            try:
                pending = Decimal(DIGITS[token]) if token in DIGITS else Decimal(token)
            except ArithmeticError:
                return None
        elif token in SMALL_UNITS:
            unit = SMALL_UNITS[token]
            if last_unit is not None and unit >= last_unit:
                return None  # 十百, 千千
            if pending is None:
                if unit != 10 or section or zero:  # only 十 stands alone (十, 十五)
                    return None
                pending = Decimal(1)
            section += pending * unit
            pending, last_unit, zero = None, unit, False
        else:  # 万
            if pending is not None:
                section += pending
                pending = None
            if not section or after_wan:
                return None
            total, section = section * 10_000, Decimal(0)
            last_unit, zero, after_wan = None, False, True
    if pending is not None:
        if zero:
            section += pending  # 一百零五
        elif last_unit is not None:
            section += pending * (last_unit // 10)  # 一千二 is 1200, 两百五 is 250
        elif after_wan:
            section += pending * 1000  # 两万五 is 25,000
        else:
            section += pending
    return total + section


def arabic(word: str, rest_ok: Callable[[str], bool]) -> str:
    """`word` with its leading Chinese numeral in digits (十斤 → 10斤, 一斤半 → 1.5斤,
    两千元 → 2000元), or `word` unchanged."""
    digits = len(word) - len(word.lstrip("0123456789."))
    if digits and rest_ok(word[digits:]):
        return word  # already digits: 5千克 is 5 kg, not 5,000 g
    end = 0
    while end < len(word) and (word[end] in _CHINESE or word[end] in _ARABIC or word[end] == HALF):
        end += 1
    # The longest numeral that reads, then shorter ones: 十千克 is 十 and 千克.
    for cut in range(end, 0, -1):
        head, rest = word[:cut], word[cut:]
        value = parse_chinese_number(head)
        if value is None:
            continue
        if len(rest) > 1 and rest.endswith(HALF) and head != HALF:  # 一斤半, 三块半
            rest, value = rest[:-1], value + Decimal("0.5")
        if rest_ok(rest):
            return format(value.normalize(), "f") + rest
    return word
