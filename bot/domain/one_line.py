"""One-line forms for fast keepers, shared by every front end (Telegram now, WeChat later).

`parse_line(text)` returns a frozen form, `None` when the text is not a one-line form at
all (the chat may treat it as something else), or raises `InvalidInput` when the line
starts with a form keyword but is malformed; the message shows the right pattern.

| form | example | keywords |
|---|---|---|
| parcel in | `入 SF1234567890 张三 1234` | 入 入库 到件 in intake |
| pickup | `取 A-027`, `取 1234` | 取 取件 出库 out pickup |
| upstream shipment | `寄 YT123456789 脆李 10斤 85` | 寄 寄件 寄出 ship |
| upstream sale | `售 脆李 20斤 400 直播` | 售 卖 销售 sell sale |
| proxy purchase | `代购 洗衣机 1299 费20` | 代购 代买 proxy |
| convenience service | `代缴 电费 200`, `话费 100`, `取现 500 费2` | see `SERVICE_KEYWORDS` |

Text is normalised with Unicode NFKC first (full-width letters, digits and spaces, `￥`,
`．`, `，`, `：`), runs of spaces count as one, and keywords are case-insensitive. A keyword
may be glued to what follows when that starts with a Latin letter, a digit or `¥`
(`取A-027`, `话费100`), never to Chinese text (so `入口在哪` is not a form).

Pickup codes are normalised to the form `pickup_code()` in `ledger.py` hands out: shelf
letter, dash, three digits (`a27` → `A-027`, `B-3` → `B-003`); 1–4 digits are accepted,
but the number must be 1–999.

Amounts go through `money.parse_amount` (hard limits only); `unusual_amounts(form)` lists
the amounts above their per-kind ceiling, which the front end should ask to confirm.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable

from bot.domain.chinese_numerals import arabic
from bot.domain.commands import (
    FindParcels,
    RecordEntry,
    RecordIntake,
    RecordProxyPurchase,
    RecordSale,
    RecordService,
    RecordShipment,
)
from bot.domain.days import DayRef, parse_day_word
from bot.domain.errors import InvalidInput
from bot.domain.ledger import SaleChannel, ServiceKind
from bot.domain.money import AmountCheck, AmountKind, check_amount, parse_amount, shown
from bot.domain.phones import PHONE_INVALID, PhoneInput, parse_phone
from bot.domain.quantities import (
    QUANTITY_NO_UNIT,
    QUANTITY_TOKEN,
    UNIT_ALIASES,
    UNIT_PATTERN,
    Quantity,
    parse_quantity,
    weight_grams,
)
from bot.domain.text import N_
from bot.domain.unit_prices import UnitPriceCheck, UsualPrice, check_unit_price

INTAKE_PATTERN = N_(
    "Write it like: 入 SF1234567890 张三 1234 (tracking number, name, "
    "the phone's last 4 digits or the full mobile number)."
)
PICKUP_PATTERN = N_(
    "Write it like: 取 A-027 (the pickup code) or 取 1234 (the phone's last 4 digits)."
)
SHIP_PATTERN = N_(
    "Write it like: 寄 YT123456789 脆李 10斤 85 (tracking number, product, weight, "
    "declared value in yuan)."
)
SALE_PATTERN = N_(
    "Write it like: 售 脆李 20斤 400 (product, quantity, amount in yuan; you may add "
    "the channel at the end: 电商, 直播, 微信群, 订单 or 其他)."
)
PROXY_PATTERN = N_(
    "Write it like: 代购 洗衣机 1299 (item, amount in yuan; you may add the fee: "
    "代购 洗衣机 1299 费20)."
)
SERVICE_PATTERN = N_(
    "Write it like: 代缴 电费 200, 话费 100 or 取现 500 费2 (service, amount in yuan, "
    "optional fee)."
)
TRACKING_INVALID = N_(
    "“{value}” is not a tracking number. Use 8 to 30 letters and digits, for example SF1234567890."
)
PICKUP_CODE_INVALID = N_(
    "“{value}” is not a pickup code. Use the shelf letter and a number up to 999, "
    "for example A-027."
)
SHIP_NOT_WEIGHT = N_("Give the weight in 斤, 公斤 or 克, for example 10斤.")
CHANNEL_UNKNOWN = N_(
    "“{value}” is not a sales channel. End the line with 电商, 直播, 微信群, 订单 or 其他, "
    "or leave it out."
)
TOO_LONG = N_("“{value}” is too long. Use at most {limit} characters.")


CHANNEL_WORDS: dict[str, SaleChannel] = {
    **dict.fromkeys(
        ("电商", "平台", "网店", "网上", "淘宝", "拼多多", "京东", "platform", "online", "shop"),
        SaleChannel.PLATFORM,
    ),
    **dict.fromkeys(
        ("直播", "抖音", "快手", "视频号", "live", "livestream"), SaleChannel.LIVESTREAM
    ),
    **dict.fromkeys(
        ("微信群", "微信", "群", "朋友圈", "社群", "wechat", "group"), SaleChannel.WECHAT_GROUP
    ),
    **dict.fromkeys(
        ("订单", "订购", "客商", "收购商", "采购商", "order", "buyer"), SaleChannel.BUYER_ORDER
    ),
    **dict.fromkeys(("其他", "其它", "线下", "other"), SaleChannel.OTHER),
}


# Words naming a kind right after a general service keyword (`代缴 电费 200`).
SERVICE_KIND_WORDS: dict[str, ServiceKind] = {
    **dict.fromkeys(
        ("话费", "充话费", "手机费", "电话费", "phone", "topup", "top-up"), ServiceKind.PHONE_TOPUP
    ),
    **dict.fromkeys(("电费", "电", "electricity", "power"), ServiceKind.ELECTRICITY),
    **dict.fromkeys(("水费", "水", "water"), ServiceKind.WATER),
    **dict.fromkeys(("宽带", "网费", "宽带费", "broadband", "internet"), ServiceKind.BROADBAND),
    **dict.fromkeys(("取现", "提现", "取款", "cash", "withdrawal"), ServiceKind.CASH_WITHDRAWAL),
    **dict.fromkeys(
        ("车票", "火车票", "汽车票", "机票", "票", "购票", "ticket", "tickets"), ServiceKind.TICKETS
    ),
    **dict.fromkeys(("其他", "其它", "other"), ServiceKind.OTHER),
}

# Keywords that start a service line: (kind it fixes, or None to read a kind word next;
# the kind when no kind word follows).
SERVICE_KEYWORDS: dict[str, tuple[ServiceKind | None, ServiceKind]] = {
    **dict.fromkeys(
        ("代缴", "代收", "缴费", "代收代缴", "便民", "服务", "service"), (None, ServiceKind.OTHER)
    ),
    "充值": (None, ServiceKind.PHONE_TOPUP),
    **{
        word: (kind, kind)
        for word, kind in SERVICE_KIND_WORDS.items()
        if len(word) >= 2 and not word.isascii() and kind is not ServiceKind.OTHER
    },
}

# The field rules both the one-line forms and the step-by-step forms apply.
MAX_NAME = 30
MAX_PRODUCT = 40
MAX_TEXT = 100  # items and notes

_FEE_WORDS = ("手续费", "服务费", "费用", "费", "fee")
_FEE_GLUED = re.compile(rf"(?:{'|'.join(_FEE_WORDS)}):?(.+)", re.IGNORECASE)
_FEE_ALONE = re.compile(rf"(?:{'|'.join(_FEE_WORDS)}):?", re.IGNORECASE)
# The shape of an amount word (parse_amount then judges it): sign, currency, digits, marks.
_NUMERIC = re.compile(
    r"[-−+负]?(?:¥|rmb|cny|人民币)?[-−+]?[0-9.,]*[0-9][0-9.,]*"
    r"(?:万|w|千|k)?(?:元整|元|圆整|圆|块钱|块|yuan|rmb|cny)?",
    re.IGNORECASE,
)
_PHONEISH = re.compile(r"(?:尾号)?[+0-9()*\-]*[0-9][+0-9()*\-]*")
_TRACKING = re.compile(r"[A-Z0-9]{8,30}")
_DASHES = re.compile(r"[\-\u2010-\u2015\u2212\uFE58\uFE63]+")
_PICKUP_CODE = re.compile(r"([A-Za-z])\s*[-_.—–]?\s*([0-9]{1,4})")
_GLUED_QUANTITY = re.compile(rf"([^0-9.,]+?)([0-9][0-9.,]*\s*(?:{UNIT_PATTERN}))", re.IGNORECASE)
# `¥ 1200`, `1200 元`, `10 斤` → one word each (not used for intake and pickup lines).
_JOIN_PREFIX = re.compile(r"(^|\s)(¥|rmb|cny|人民币)\s+(?=[-−+]?[0-9])", re.IGNORECASE)
_JOIN_SUFFIX = re.compile(
    rf"(^|\s)([-−+]?[0-9.,]*[0-9])\s+(元整|元|块钱|块|万元|万|千|yuan|rmb|cny|{UNIT_PATTERN})"
    r"(?=\s|$)",
    re.IGNORECASE,
)


# What a one-line form is: a ledger command, or a question about the shelf.
OneLine = RecordEntry | FindParcels


def normalise(text: str) -> str:
    """NFKC, one space between words, no spaces at the ends."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def parse_tracking_no(text: str) -> str:
    """8–30 letters and digits, at least 6 of them digits (so a name is never taken for
    one), upper-cased, dashes and spaces dropped as labels print them: `sf-123…` and
    `sf 1234 5678 9012` → `SF123…`. (A one-line form splits on spaces first, so there the
    number must be one word.)"""
    value = _DASHES.sub("", normalise(text)).replace(" ", "").upper()
    if not _TRACKING.fullmatch(value) or sum(ch.isdigit() for ch in value) < 6:
        raise InvalidInput(TRACKING_INVALID, value=shown(text))
    return value


def parse_pickup_code(text: str) -> str:
    """`A-027`, `a27`, `B-3`, `c 0005` → `A-027`, `A-027`, `B-003`, `C-005`."""
    value = normalise(text)
    match = _PICKUP_CODE.fullmatch(value)
    if not match or not 1 <= int(match.group(2)) <= 999:
        raise InvalidInput(PICKUP_CODE_INVALID, value=shown(text))
    return f"{match.group(1).upper()}-{int(match.group(2)):03d}"


def parse_line(text: str) -> OneLine | None:
    """The one-line form in `text`, or None if it is not one. See the module docstring."""
    line = normalise(text)
    if not line:
        return None
    split = _split_keyword(line)
    if split is None:
        return None
    keyword, rest = split
    handler = _HANDLERS.get(keyword)
    if handler in (_intake, _pickup):
        return handler(rest.split())
    args = _JOIN_SUFFIX.sub(r"\1\2\3", _JOIN_PREFIX.sub(r"\1\2", rest)).split()
    # 两千, 十斤, 半斤 as digits, but only whole words that are a number (with a currency
    # word or a unit after it): 三黄鸡 and 十三香 stay products.
    args = [arabic(word, _numeral_rest) for word in args]
    args, day = _pop_day(args)
    if handler is not None:
        form = handler(args)
    else:
        fixed, default = SERVICE_KEYWORDS[keyword]
        form = _service(args, fixed, default)
    return dataclasses.replace(form, on_day=day) if day is not None else form


def _pop_day(args: list[str]) -> tuple[list[str], DayRef | None]:
    """A day word among the last two (`… 400 昨天`, `… 400 昨天 直播`): taken off."""
    for at in (len(args) - 1, len(args) - 2):
        if at >= 1 and (day := parse_day_word(args[at])) is not None:
            return args[:at] + args[at + 1 :], day
    return args, None


def unusual_amounts(
    form: OneLine, usual: UsualPrice | None = None
) -> list[AmountCheck | UnitPriceCheck]:
    """The amounts of `form` above their per-kind ceiling, and a sale's price per unit far
    outside `usual` (the product's range from history; the fixed ceiling without it): ask
    the keeper to confirm these."""
    checks: list[AmountCheck | UnitPriceCheck] = []
    if isinstance(form, RecordShipment):
        checks.append(check_amount(form.declared_value_fen, AmountKind.DECLARED_VALUE))
    elif isinstance(form, RecordSale):
        checks.append(check_amount(form.amount_fen, AmountKind.UPSTREAM_SALE))
        checks.append(check_unit_price(form.amount_fen, form.quantity, usual))
    elif isinstance(form, RecordProxyPurchase):
        checks.append(check_amount(form.amount_fen, AmountKind.PROXY_PURCHASE))
        checks.append(check_amount(form.fee_fen, AmountKind.FEE))
    elif isinstance(form, RecordService):
        checks.append(check_amount(form.amount_fen, AmountKind.SERVICE))
        checks.append(check_amount(form.fee_fen, AmountKind.FEE))
    return [check for check in checks if check.needs_confirmation]


# --- keywords -------------------------------------------------------------------------


def _split_keyword(line: str) -> tuple[str, str] | None:
    first, _, rest = line.partition(" ")
    lowered = first.lower().rstrip(":")
    if lowered in _KEYWORDS:
        return lowered, rest
    for keyword in _GLUABLE:  # longest first, so 取现500 is a service, not a pickup
        if first.startswith(keyword):
            glued = first[len(keyword) :].lstrip(":")
            if glued and ((glued[0].isascii() and glued[0].isalnum()) or glued[0] == "¥"):
                return keyword, f"{glued} {rest}"
    return None


# --- the forms ------------------------------------------------------------------------


def _intake(args: list[str]) -> RecordIntake:
    if len(args) < 3:
        if args:
            parse_tracking_no(args[0])
        raise InvalidInput(INTAKE_PATTERN)
    tracking_no = parse_tracking_no(args[0])
    rest = args[1:]
    found = _phone_at(rest, end=True) or _phone_at(rest, end=False)
    if found is None:
        if _PHONEISH.fullmatch(rest[-1]):
            raise InvalidInput(PHONE_INVALID)
        raise InvalidInput(INTAKE_PATTERN)
    phone, name_words = found
    name = _text(name_words, MAX_NAME, INTAKE_PATTERN)
    if any(ch.isdigit() for ch in name):
        raise InvalidInput(INTAKE_PATTERN)
    return RecordIntake(tracking_no=tracking_no, recipient_name=name, phone=phone)


def _phone_at(words: list[str], *, end: bool) -> tuple[PhoneInput, list[str]] | None:
    """A phone written over 1–4 words at the end (or start) of `words`, and the rest."""
    for k in range(min(4, len(words) - 1), 0, -1):
        part, rest = (words[-k:], words[:-k]) if end else (words[:k], words[k:])
        if all(_PHONEISH.fullmatch(word) for word in part):
            try:
                return parse_phone(" ".join(part)), rest
            except InvalidInput:
                continue
    return None


def _pickup(args: list[str]) -> FindParcels:
    if len(args) == 2 and re.fullmatch(r"[A-Za-z][-_.—–]?", args[0]) and args[1].isdigit():
        args = ["".join(args)]  # "A 027"
    if len(args) != 1:
        raise InvalidInput(PICKUP_PATTERN)
    word = args[0]
    if _PICKUP_CODE.fullmatch(word):
        return FindParcels(pickup_code=parse_pickup_code(word))
    if _PHONEISH.fullmatch(word):
        try:
            return FindParcels(phone_last4=parse_phone(word).last4)
        except InvalidInput:
            raise InvalidInput(PICKUP_PATTERN) from None
    if re.fullmatch(r"[A-Za-z][-_.—–]?[0-9]+", word):
        raise InvalidInput(PICKUP_CODE_INVALID, value=shown(word))
    raise InvalidInput(PICKUP_PATTERN)


def _ship(args: list[str]) -> RecordShipment:
    if len(args) < 3:
        if args:
            parse_tracking_no(args[0])
        raise InvalidInput(SHIP_PATTERN)
    tracking_no = parse_tracking_no(args[0])
    words, quantity, value = _fields(args[1:], SHIP_PATTERN)
    if not quantity.is_weight:
        raise InvalidInput(SHIP_NOT_WEIGHT)
    return RecordShipment(
        tracking_no=tracking_no,
        product=_text(words, MAX_PRODUCT, SHIP_PATTERN),
        weight_grams=weight_grams(quantity),
        declared_value_fen=parse_amount(value),
    )


def _sale(args: list[str]) -> RecordSale:
    channel = None
    if args and args[-1].lower() in CHANNEL_WORDS:
        channel = CHANNEL_WORDS[args.pop().lower()]
    elif (
        len(args) >= 3
        and not _is_value(args[-1])
        and _is_value(args[-2])
        and not all(_is_value(word) for word in args[:-2])
    ):  # 售 脆李 20斤 400 集市: a word after the amount, with the product before it
        raise InvalidInput(CHANNEL_UNKNOWN, value=shown(args[-1]))
    words, quantity, amount = _fields(args, SALE_PATTERN)
    return RecordSale(
        product=_text(words, MAX_PRODUCT, SALE_PATTERN),
        quantity=quantity,
        amount_fen=parse_amount(amount),
        channel=channel,
    )


def _proxy(args: list[str]) -> RecordProxyPurchase:
    args, fee_fen = _pop_fee(args)
    if len(args) < 2 or not _is_numeric(args[-1]):
        raise InvalidInput(PROXY_PATTERN)
    return RecordProxyPurchase(
        item=_text(args[:-1], MAX_TEXT, PROXY_PATTERN),
        amount_fen=parse_amount(args[-1]),
        fee_fen=fee_fen,
    )


def _service(args: list[str], fixed: ServiceKind | None, default: ServiceKind) -> RecordService:
    args, fee_fen = _pop_fee(args)
    if not args or not _is_numeric(args[-1]):
        raise InvalidInput(SERVICE_PATTERN)
    words, amount = args[:-1], args[-1]
    kind = fixed or default
    if fixed is None and words and words[0].lower() in SERVICE_KIND_WORDS:
        kind = SERVICE_KIND_WORDS[words.pop(0).lower()]
    return RecordService(
        kind=kind,
        amount_fen=parse_amount(amount),
        fee_fen=fee_fen,
        note=_text(words, MAX_TEXT, SERVICE_PATTERN) if words else None,
    )


# --- pieces ---------------------------------------------------------------------------


def _numeral_rest(rest: str) -> bool:
    lowered = rest.lower()
    return not rest or lowered in UNIT_ALIASES or lowered in ("元", "元整", "块", "块钱", "万元")


def _is_numeric(word: str) -> bool:
    return _NUMERIC.fullmatch(word) is not None


def _is_value(word: str) -> bool:
    return _is_numeric(word) or QUANTITY_TOKEN.fullmatch(word) is not None


def _fields(args: list[str], pattern: str) -> tuple[list[str], Quantity, str]:
    """Split `product… quantity amount` by shape: words, the quantity, the amount word."""
    words: list[str] = []
    quantities: list[Quantity] = []
    numbers: list[str] = []
    for word in args:
        glued = _GLUED_QUANTITY.fullmatch(word)
        if QUANTITY_TOKEN.fullmatch(word):
            quantities.append(parse_quantity(word))
        elif glued and not any(ch.isdigit() for ch in glued.group(1)):
            words.append(glued.group(1))  # 脆李20斤
            quantities.append(parse_quantity(glued.group(2)))
        elif _is_numeric(word):
            numbers.append(word)
        else:
            words.append(word)
    if not quantities and len(numbers) == 2:
        raise InvalidInput(QUANTITY_NO_UNIT)
    if len(quantities) != 1 or len(numbers) != 1 or not words:
        raise InvalidInput(pattern)
    return words, quantities[0], numbers[0]


def _pop_fee(args: list[str]) -> tuple[list[str], int]:
    """Take a trailing fee (`费20`, `手续费 20`, `fee 20`) off `args`: (rest, fee in fen)."""
    if len(args) >= 2 and _FEE_ALONE.fullmatch(args[-2]) and _is_numeric(args[-1]):
        return args[:-2], parse_amount(args[-1], allow_zero=True)
    if args and (glued := _FEE_GLUED.fullmatch(args[-1])) and _is_numeric(glued.group(1)):
        return args[:-1], parse_amount(glued.group(1), allow_zero=True)
    return args, 0


def check_text(value: str, limit: int) -> str:
    """A name, product or item within its limit (the one rule for one-liners and forms)."""
    if len(value) > limit:
        raise InvalidInput(TOO_LONG, value=shown(value), limit=limit)
    return value


def _text(words: list[str], limit: int, pattern: str) -> str:
    value = " ".join(words)
    if not any(ch.isalpha() for ch in value):
        raise InvalidInput(pattern)
    return check_text(value, limit)


_HANDLERS: dict[str, Callable[[list[str]], OneLine]] = {
    **dict.fromkeys(("入", "入库", "到件", "in", "intake"), _intake),
    **dict.fromkeys(("取", "取件", "出库", "out", "pickup"), _pickup),
    **dict.fromkeys(("寄", "寄件", "寄出", "ship"), _ship),
    **dict.fromkeys(("售", "卖", "销售", "sell", "sale"), _sale),
    **dict.fromkeys(("代购", "代买", "proxy"), _proxy),
}
_KEYWORDS = frozenset(_HANDLERS) | frozenset(SERVICE_KEYWORDS)
_GLUABLE = sorted((k for k in _KEYWORDS if not k.isascii()), key=len, reverse=True)
