"""One-line forms: what fast keepers type, what it becomes, and what is refused."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from bot.domain import ledger, money, one_line, phones, quantities
from bot.domain.commands import FindParcels
from bot.domain.commands import RecordIntake as Intake
from bot.domain.commands import RecordProxyPurchase as Proxy
from bot.domain.commands import RecordSale as Sale
from bot.domain.commands import RecordService as Service
from bot.domain.commands import RecordShipment as Ship
from bot.domain.errors import InvalidInput
from bot.domain.ledger import SaleChannel, ServiceKind
from bot.domain.one_line import (
    parse_line,
    parse_pickup_code,
    parse_tracking_no,
    unusual_amounts,
)
from bot.domain.phones import PhoneInput, parse_phone
from bot.domain.privacy import phone_hash
from bot.domain.quantities import Quantity, Unit


def last4(n: str) -> PhoneInput:
    return PhoneInput(last4_only=n)


def full(n: str) -> PhoneInput:
    return PhoneInput(full=n)


def jin(n: str) -> Quantity:
    return Quantity(Decimal(n), Unit.JIN)


ACCEPTED = [
    # parcel intake
    ("入 SF1234567890 张三 1234", Intake("SF1234567890", "张三", last4("1234"))),
    ("入库 SF1234567890 张三 1234", Intake("SF1234567890", "张三", last4("1234"))),
    ("到件 SF1234567890 张三 1234", Intake("SF1234567890", "张三", last4("1234"))),
    ("入 sf1234567890 张三 13812345678", Intake("SF1234567890", "张三", full("13812345678"))),
    (
        "入 SF1234567890 张三 138 1234 5678",
        Intake("SF1234567890", "张三", full("13812345678")),
    ),
    (
        "入 SF1234567890 张三 138-1234-5678",
        Intake("SF1234567890", "张三", full("13812345678")),
    ),
    (
        "入 SF1234567890 张三 +8613812345678",
        Intake("SF1234567890", "张三", full("13812345678")),
    ),
    (
        "入 SF1234567890 张三 +86 138 1234 5678",
        Intake("SF1234567890", "张三", full("13812345678")),
    ),
    ("入 SF1234567890 张三 138****5678", Intake("SF1234567890", "张三", last4("5678"))),
    ("入 SF1234567890 张* 尾号5678", Intake("SF1234567890", "张*", last4("5678"))),
    ("入 SF1234567890 1234 张三", Intake("SF1234567890", "张三", last4("1234"))),
    ("入 773123456789012 李四 0001", Intake("773123456789012", "李四", last4("0001"))),
    ("入SF1234567890 张三 1234", Intake("SF1234567890", "张三", last4("1234"))),
    ("入：SF1234567890 张三 1234", Intake("SF1234567890", "张三", last4("1234"))),
    (
        "入　ＳＦ１２３４５６７８９０　张三　１２３４",
        Intake("SF1234567890", "张三", last4("1234")),
    ),
    ("  入   SF1234567890   张三   1234  ", Intake("SF1234567890", "张三", last4("1234"))),
    ("in SF1234567890 Zhang San 1234", Intake("SF1234567890", "Zhang San", last4("1234"))),
    ("IN SF1234567890 Jin 1234", Intake("SF1234567890", "Jin", last4("1234"))),
    ("intake YT123456789 Li 13912345678", Intake("YT123456789", "Li", full("13912345678"))),
    # pickup
    ("取 A-027", FindParcels(pickup_code="A-027")),
    ("取 a27", FindParcels(pickup_code="A-027")),
    ("取 B-3", FindParcels(pickup_code="B-003")),
    ("取 B3", FindParcels(pickup_code="B-003")),
    ("取 c_0005", FindParcels(pickup_code="C-005")),
    ("取 Z-999", FindParcels(pickup_code="Z-999")),
    ("取 A 027", FindParcels(pickup_code="A-027")),
    ("取 Ａ－０２７", FindParcels(pickup_code="A-027")),
    ("取A-027", FindParcels(pickup_code="A-027")),
    ("取件 A-027", FindParcels(pickup_code="A-027")),
    ("出库 A-027", FindParcels(pickup_code="A-027")),
    ("取 1234", FindParcels(phone_last4="1234")),
    ("取1234", FindParcels(phone_last4="1234")),
    ("取 13812345678", FindParcels(phone_last4="5678")),
    ("取 尾号1234", FindParcels(phone_last4="1234")),
    ("out A-027", FindParcels(pickup_code="A-027")),
    ("pickup 1234", FindParcels(phone_last4="1234")),
    ("Pickup b-12", FindParcels(pickup_code="B-012")),
    # upstream shipment
    ("寄 YT123456789 脆李 10斤 85", Ship("YT123456789", "脆李", 5000, 8500)),
    ("寄件 YT123456789 脆李 10斤 85元", Ship("YT123456789", "脆李", 5000, 8500)),
    ("寄出 YT123456789 脆李 5kg ¥85", Ship("YT123456789", "脆李", 5000, 8500)),
    ("寄 YT123456789 脆李 10 斤 ¥ 85", Ship("YT123456789", "脆李", 5000, 8500)),
    ("寄 YT123456789 脆李10斤 85", Ship("YT123456789", "脆李", 5000, 8500)),
    ("寄 YT123456789 脆李 2.5公斤 85.50", Ship("YT123456789", "脆李", 2500, 8550)),
    (
        "寄 YT123456789 红心 猕猴桃 500克 30",
        Ship("YT123456789", "红心 猕猴桃", 500, 3000),
    ),
    ("寄 YT123456789 10斤 脆李 85", Ship("YT123456789", "脆李", 5000, 8500)),
    ("寄YT123456789 脆李 10斤 85", Ship("YT123456789", "脆李", 5000, 8500)),
    ("ship yt123456789 plums 5 kg 85 yuan", Ship("YT123456789", "plums", 5000, 8500)),
    # upstream sale
    ("售 脆李 20斤 400", Sale("脆李", jin("20"), 40000)),
    ("卖 脆李 20斤 400元", Sale("脆李", jin("20"), 40000)),
    ("销售 脆李 20斤 ¥400", Sale("脆李", jin("20"), 40000)),
    ("售 脆李 ２０斤 ４００元", Sale("脆李", jin("20"), 40000)),
    ("售 脆李 20 斤 400 元", Sale("脆李", jin("20"), 40000)),
    ("售 脆李20斤 400", Sale("脆李", jin("20"), 40000)),
    ("售 20斤 脆李 400", Sale("脆李", jin("20"), 40000)),
    ("售 脆李 2000斤 1.2万", Sale("脆李", jin("2000"), 1_200_000)),
    ("售 脆李 1,000斤 2,500.50", Sale("脆李", jin("1000"), 250_050)),
    ("售 苹果 3箱 300", Sale("苹果", Quantity(Decimal(3), Unit.BOX), 30000)),
    ("售 土鸡 5只 500", Sale("土鸡", Quantity(Decimal(5), Unit.PIECE), 50000)),
    ("售 玉米 1.5吨 3000", Sale("玉米", Quantity(Decimal("1.5"), Unit.TON), 300_000)),
    ("售 5号 苹果 3箱 300", Sale("5号 苹果", Quantity(Decimal(3), Unit.BOX), 30000)),
    ("售 脆李 20斤 400 直播", Sale("脆李", jin("20"), 40000, SaleChannel.LIVESTREAM)),
    ("售 脆李 20斤 400 抖音", Sale("脆李", jin("20"), 40000, SaleChannel.LIVESTREAM)),
    ("售 脆李 20斤 400 电商", Sale("脆李", jin("20"), 40000, SaleChannel.PLATFORM)),
    ("售 脆李 20斤 400 拼多多", Sale("脆李", jin("20"), 40000, SaleChannel.PLATFORM)),
    ("售 脆李 20斤 400 微信群", Sale("脆李", jin("20"), 40000, SaleChannel.WECHAT_GROUP)),
    ("售 脆李 20斤 400 订单", Sale("脆李", jin("20"), 40000, SaleChannel.BUYER_ORDER)),
    ("售 脆李 20斤 400 其他", Sale("脆李", jin("20"), 40000, SaleChannel.OTHER)),
    ("sell plums 20jin 400", Sale("plums", jin("20"), 40000)),
    ("sell plums 20 jin 400 live", Sale("plums", jin("20"), 40000, SaleChannel.LIVESTREAM)),
    (
        "Sale plums 20jin 400 WeChat",
        Sale("plums", jin("20"), 40000, SaleChannel.WECHAT_GROUP),
    ),
    # proxy purchase
    ("代购 洗衣机 1299", Proxy("洗衣机", 129_900)),
    ("代购 洗衣机 1299 手续费20", Proxy("洗衣机", 129_900, 2000)),
    ("代购 洗衣机 1299 费20", Proxy("洗衣机", 129_900, 2000)),
    ("代购 洗衣机 1299 费 20", Proxy("洗衣机", 129_900, 2000)),
    ("代购 洗衣机 1299 手续费：20元", Proxy("洗衣机", 129_900, 2000)),
    ("代购 洗衣机 1299 服务费20", Proxy("洗衣机", 129_900, 2000)),
    ("代购 洗衣机 1299 费0", Proxy("洗衣机", 129_900, 0)),
    ("代购 洗衣机 ¥1,299.00", Proxy("洗衣机", 129_900)),
    ("代购 化肥 2袋 260", Proxy("化肥 2袋", 26000)),
    ("代购 小天鹅 洗衣机 1299", Proxy("小天鹅 洗衣机", 129_900)),
    ("代买 洗衣机 1299", Proxy("洗衣机", 129_900)),
    ("proxy washing machine 1299 fee 20", Proxy("washing machine", 129_900, 2000)),
    ("proxy washing machine 1299 fee20", Proxy("washing machine", 129_900, 2000)),
    # convenience services
    ("代缴 电费 200", Service(ServiceKind.ELECTRICITY, 20000)),
    ("代缴 水费 50", Service(ServiceKind.WATER, 5000)),
    ("代缴 宽带 100", Service(ServiceKind.BROADBAND, 10000)),
    ("代缴 燃气费 150", Service(ServiceKind.OTHER, 15000, note="燃气费")),
    ("代缴 电费 张三家 200", Service(ServiceKind.ELECTRICITY, 20000, note="张三家")),
    ("代缴 200", Service(ServiceKind.OTHER, 20000)),
    ("代收代缴 电费 200", Service(ServiceKind.ELECTRICITY, 20000)),
    ("缴费 电费 200 费1", Service(ServiceKind.ELECTRICITY, 20000, 100)),
    ("话费 100", Service(ServiceKind.PHONE_TOPUP, 10000)),
    ("话费100", Service(ServiceKind.PHONE_TOPUP, 10000)),
    ("充值 100", Service(ServiceKind.PHONE_TOPUP, 10000)),
    ("充值 电费 100", Service(ServiceKind.ELECTRICITY, 10000)),
    ("电费 200", Service(ServiceKind.ELECTRICITY, 20000)),
    ("水费 50", Service(ServiceKind.WATER, 5000)),
    ("宽带 100", Service(ServiceKind.BROADBAND, 10000)),
    ("取现 500 费2", Service(ServiceKind.CASH_WITHDRAWAL, 50000, 200)),
    ("取现500", Service(ServiceKind.CASH_WITHDRAWAL, 50000)),
    ("提现 500 手续费 2", Service(ServiceKind.CASH_WITHDRAWAL, 50000, 200)),
    ("车票 120", Service(ServiceKind.TICKETS, 12000)),
    ("火车票 县城到贵阳 120", Service(ServiceKind.TICKETS, 12000, note="县城到贵阳")),
    ("service electricity 200", Service(ServiceKind.ELECTRICITY, 20000)),
    ("service phone 100", Service(ServiceKind.PHONE_TOPUP, 10000)),
    ("service cash 500 fee 2", Service(ServiceKind.CASH_WITHDRAWAL, 50000, 200)),
    ("service ticket 120", Service(ServiceKind.TICKETS, 12000)),
    ("service 80", Service(ServiceKind.OTHER, 8000)),
]


@pytest.mark.parametrize(("text", "form"), ACCEPTED)
def test_accepted_lines(text, form):
    assert parse_line(text) == form


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "你好",
        "入口在哪",  # starts with 入 but is a sentence
        "取消",
        "售后 问题",
        "寄件人是谁",
        "代购洗衣机 1299",  # a keyword glued to Chinese text is not a keyword
        "/start",
        "1200",
        "SF1234567890",
        "张三 1234",
        "inbox",
        "selling",
    ],
)
def test_not_a_form(text):
    assert parse_line(text) is None


REFUSED = [
    ("入", one_line.INTAKE_PATTERN),
    ("入 SF1234567890", one_line.INTAKE_PATTERN),
    ("入 SF1234567890 张三", one_line.INTAKE_PATTERN),
    ("入 SF1234567890 张三 李四", one_line.INTAKE_PATTERN),
    ("入 SF1234567890 1234", one_line.INTAKE_PATTERN),
    ("入 SF1234567890 张三2 1234", one_line.INTAKE_PATTERN),
    ("入 张三 SF1234567890 1234", one_line.TRACKING_INVALID),
    ("入 SF12 张三 1234", one_line.TRACKING_INVALID),
    ("入 ABCDEFGHIJ 张三 1234", one_line.TRACKING_INVALID),
    ("入 " + "1" * 31 + " 张三 1234", one_line.TRACKING_INVALID),
    ("入 SF1234567890 张三 123", one_line.PHONE_INVALID),
    ("入 SF1234567890 张三 12345", one_line.PHONE_INVALID),
    ("入 SF1234567890 张三 12345678901", one_line.PHONE_INVALID),  # not a mobile: 1[3-9]
    ("入 SF1234567890 张三 0851-1234567", one_line.PHONE_INVALID),
    ("入 SF1234567890 " + "张" * 31 + " 1234", one_line.TOO_LONG),
    ("in the morning", one_line.TRACKING_INVALID),
    ("取", one_line.PICKUP_PATTERN),
    ("取 A-027 A-028", one_line.PICKUP_PATTERN),
    ("取 SF1234567890", one_line.PICKUP_PATTERN),
    ("取 123", one_line.PICKUP_PATTERN),
    ("取 AB-12", one_line.PICKUP_PATTERN),
    ("取 A-000", one_line.PICKUP_CODE_INVALID),
    ("取 A-1000", one_line.PICKUP_CODE_INVALID),
    ("取 A12345", one_line.PICKUP_CODE_INVALID),
    ("寄", one_line.SHIP_PATTERN),
    ("寄 YT123456789 脆李 10斤", one_line.SHIP_PATTERN),
    ("寄 YT123456789 脆李 85", one_line.SHIP_PATTERN),
    ("寄 YT123456789 10斤 85", one_line.SHIP_PATTERN),
    ("寄 YT123456789 脆李 10斤 5斤 85", one_line.SHIP_PATTERN),
    ("寄 YT123456789 脆李 10斤 85 90", one_line.SHIP_PATTERN),
    ("寄 YT12 脆李 10斤 85", one_line.TRACKING_INVALID),
    ("寄 YT123456789 脆李 3箱 85", one_line.SHIP_NOT_WEIGHT),
    ("寄 YT123456789 脆李 10 85", quantities.QUANTITY_NO_UNIT),
    ("寄 YT123456789 脆李 10斤 0", money.AMOUNT_ZERO),
    ("寄 YT123456789 脆李 10斤 -85", money.AMOUNT_NEGATIVE),
    ("寄 YT123456789 脆李 0斤 85", quantities.QUANTITY_ZERO),
    ("寄 YT123456789 " + "李" * 41 + " 10斤 85", one_line.TOO_LONG),
    ("售", one_line.SALE_PATTERN),
    ("售 脆李", one_line.SALE_PATTERN),
    ("售 脆李 400", one_line.SALE_PATTERN),
    ("售 脆李 20斤", one_line.SALE_PATTERN),
    ("售 20斤 400", one_line.SALE_PATTERN),
    ("售 脆李 20 400", quantities.QUANTITY_NO_UNIT),
    ("售 脆李 20斤 400 集市", one_line.CHANNEL_UNKNOWN),
    ("售 脆李 20斤 12.345", money.AMOUNT_TOO_PRECISE),
    ("售 脆李 20斤 1,20", money.AMOUNT_BAD_COMMAS),
    ("售 脆李 20斤 1.2.3", money.AMOUNT_POINTS),
    ("售 脆李 1.5箱 400", quantities.QUANTITY_NOT_WHOLE),
    ("售 脆李 1.2345斤 400", quantities.QUANTITY_TOO_PRECISE),
    ("售 脆李 20斤 20000000", money.AMOUNT_TOO_LARGE),
    ("sell plums", one_line.SALE_PATTERN),
    ("代购", one_line.PROXY_PATTERN),
    ("代购 洗衣机", one_line.PROXY_PATTERN),
    ("代购 1299", one_line.PROXY_PATTERN),
    ("代购 洗衣机 一二", one_line.PROXY_PATTERN),
    ("代购 洗衣机 0", money.AMOUNT_ZERO),
    ("代购 洗衣机 1299 费-5", money.AMOUNT_NEGATIVE),
    ("代购 洗衣机 1299 费1.234", money.AMOUNT_TOO_PRECISE),
    ("代购 " + "x" * 101 + " 1299", one_line.TOO_LONG),
    ("proxy 1299", one_line.PROXY_PATTERN),
    ("代缴", one_line.SERVICE_PATTERN),
    ("代缴 电费", one_line.SERVICE_PATTERN),
    ("话费", one_line.SERVICE_PATTERN),
    ("话费 一二", one_line.SERVICE_PATTERN),
    ("取现 500 费", one_line.SERVICE_PATTERN),
    ("取现 0", money.AMOUNT_ZERO),
    ("车票 -120", money.AMOUNT_NEGATIVE),
    ("service", one_line.SERVICE_PATTERN),
]


@pytest.mark.parametrize(("text", "msgid"), REFUSED)
def test_refused_lines(text, msgid):
    with pytest.raises(InvalidInput) as caught:
        parse_line(text)
    assert caught.value.text.msgid == msgid


PATTERNS = [
    one_line.INTAKE_PATTERN,
    one_line.PICKUP_PATTERN,
    one_line.SHIP_PATTERN,
    one_line.SALE_PATTERN,
    one_line.PROXY_PATTERN,
    one_line.SERVICE_PATTERN,
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_messages_show_a_line_that_parses(pattern):
    assert pattern.startswith("Write it like: ")
    example = pattern.removeprefix("Write it like: ").split(" (")[0].split(",")[0]
    assert parse_line(example) is not None


@pytest.mark.parametrize(
    "msgid",
    [
        one_line.TRACKING_INVALID,
        one_line.PHONE_INVALID,
        one_line.PICKUP_CODE_INVALID,
        one_line.SHIP_NOT_WEIGHT,
    ],
)
def test_field_messages_give_an_example(msgid):
    assert "for example" in msgid


def test_refusals_repeat_the_offending_word():
    with pytest.raises(InvalidInput) as caught:
        parse_line("售 脆李 20斤 400 集市")
    assert caught.value.text.params == {"value": "集市"}
    with pytest.raises(InvalidInput) as caught:
        parse_line("入 SF12 张三 1234")
    assert caught.value.text.params == {"value": "SF12"}
    with pytest.raises(InvalidInput) as caught:
        parse_line("取 a-1000")
    assert caught.value.text.params == {"value": "a-1000"}


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("1234", last4("1234")),
        ("尾号1234", last4("1234")),
        ("*1234", last4("1234")),
        ("138****5678", last4("5678")),
        ("13812345678", full("13812345678")),
        ("138 1234 5678", full("13812345678")),
        ("138-1234-5678", full("13812345678")),
        ("(+86) 138 1234 5678", full("13812345678")),
        ("+8613812345678", full("13812345678")),
        ("8613812345678", full("13812345678")),
        ("008613812345678", full("13812345678")),
        ("１３８１２３４５６７８", full("13812345678")),
        ("19912345678", full("19912345678")),
    ],
)
def test_phone_inputs(text, phone):
    assert parse_phone(text) == phone


@pytest.mark.parametrize(
    "text",
    ["", "123", "12345", "12812345678", "1381234567", "138123456789", "+1 138 1234 5678", "abcd"],
)
def test_refused_phones(text):
    with pytest.raises(InvalidInput) as caught:
        parse_phone(text)
    assert caught.value.text.msgid == one_line.PHONE_INVALID


def test_full_phone_is_for_hashing_only():
    phone = parse_phone("+86 138 1234 5678")
    assert phone.is_full and phone.last4 == "5678"
    assert "13812345678" not in repr(phone) and "13812345678" not in repr(
        parse_line("入 SF1234567890 张三 13812345678")
    )
    assert phone_hash(b"k", phone.full) == phone_hash(b"k", "13812345678")
    short = parse_phone("5678")
    assert not short.is_full and short.last4 == "5678" and short.full is None
    for bad in ({}, {"full": "13812345678", "last4_only": "5678"}, {"full": "123"}):
        with pytest.raises(ValueError):
            PhoneInput(**bad)
    with pytest.raises(ValueError):
        PhoneInput(last4_only="12")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A-027", "A-027"),
        ("a27", "A-027"),
        ("B-3", "B-003"),
        ("c 0005", "C-005"),
        ("z999", "Z-999"),
    ],
)
def test_pickup_codes(text, code):
    assert parse_pickup_code(text) == code


@pytest.mark.parametrize(
    ("text", "tracking"),
    [
        ("SF1234567890", "SF1234567890"),
        ("sf1234567890", "SF1234567890"),
        ("ＹＴ１２３４５６７８９", "YT123456789"),
        ("12345678", "12345678"),
        ("JDVA12345678901", "JDVA12345678901"),
        ("EA123456789CN", "EA123456789CN"),
        ("SF-1234-5678-90", "SF1234567890"),
        ("1" * 30, "1" * 30),
    ],
)
def test_tracking_numbers(text, tracking):
    assert parse_tracking_no(text) == tracking


def test_unusual_amounts_ask_to_confirm_but_parse():
    form = parse_line("代购 洗衣机 2.5万 费600")
    assert form == Proxy("洗衣机", 2_500_000, 60_000)
    checks = unusual_amounts(form)
    assert [(c.kind, c.fen) for c in checks] == [("proxy_purchase", 2_500_000), ("fee", 60_000)]
    assert all(c.confirmation().msgid == money.AMOUNT_CONFIRM for c in checks)
    assert unusual_amounts(parse_line("代购 洗衣机 1299 费20")) == []
    assert [c.kind for c in unusual_amounts(parse_line("售 脆李 5000斤 6万"))] == ["upstream_sale"]
    assert [c.kind for c in unusual_amounts(parse_line("寄 YT123456789 脆李 10斤 2万"))] == [
        "declared_value"
    ]
    assert [c.kind for c in unusual_amounts(parse_line("取现 6000"))] == ["service"]
    assert unusual_amounts(parse_line("取 A-027")) == []


def test_forms_are_frozen():
    form = parse_line("取 A-027")
    with pytest.raises(AttributeError):
        form.pickup_code = "B-001"  # type: ignore[misc]


def test_vocabularies_fit_the_ledger_columns():
    assert all(len(c.value) <= 20 for c in SaleChannel)  # ledger_entries.channel
    assert all(len(k.value) <= 20 for k in ServiceKind)  # ledger_entries.service_kind
    assert set(ledger.CHANNEL_LABELS) == set(SaleChannel)
    assert set(ledger.SERVICE_KIND_LABELS) == set(ServiceKind)


ALLOWED_MSGIDS = {
    value
    for module in (one_line, phones, money, quantities)
    for name, value in vars(module).items()
    if name.isupper() and isinstance(value, str)
}


def test_garbage_never_escapes_as_another_error():
    words = [
        "入", "取", "寄", "售", "代购", "代缴", "话费", "取现", "in", "out", "sell", "service",
        "SF1234567890", "张三", "脆李", "A-027", "1234", "13812345678", "10斤", "3箱", "400",
        "1.2万", "¥85", "-5", "0", "1,20", "费20", "直播", "集市", "　", "x", "1.2.3", "12.345",
    ]  # fmt: skip
    characters = "入取寄售代购费元斤0123456789１.,，-¥ A-Za"
    rng = random.Random(99)
    parsed = 0
    for _ in range(20_000):
        if rng.random() < 0.7:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 6)))
        else:
            text = "".join(rng.choice(characters) for _ in range(rng.randint(1, 16)))
        try:
            form = parse_line(text)
        except InvalidInput as error:
            assert error.text.msgid in ALLOWED_MSGIDS, (text, error.text.msgid)
            continue
        if form is None:
            continue
        parsed += 1
        for name in ("amount_fen", "declared_value_fen", "weight_grams"):
            if hasattr(form, name):
                assert 0 < getattr(form, name), text
        if hasattr(form, "fee_fen"):
            assert form.fee_fen >= 0
    assert parsed > 100


def test_tracking_numbers_are_read_as_printed_on_labels():
    for printed in ("sf 1234 5678 9012", "SF-1234-5678-9012", "ｓｆ１２３４５６７８９０１２"):
        assert parse_tracking_no(printed) == "SF123456789012"
