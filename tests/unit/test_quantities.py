"""Quantities of produce: exact decimals, a known unit, grams for weights."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from bot.domain import quantities as q
from bot.domain.errors import InvalidInput
from bot.domain.quantities import (
    MAX_WEIGHT_GRAMS,
    Quantity,
    Unit,
    format_quantity,
    parse_quantity,
    parse_unit,
    weight_grams,
)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("10斤", "10", Unit.JIN),
        ("10市斤", "10", Unit.JIN),
        ("10jin", "10", Unit.JIN),
        ("10 斤", "10", Unit.JIN),
        ("１０斤", "10", Unit.JIN),
        ("2.5斤", "2.5", Unit.JIN),
        ("0.001斤", "0.001", Unit.JIN),
        ("5公斤", "5", Unit.KG),
        ("5千克", "5", Unit.KG),
        ("5kg", "5", Unit.KG),
        ("5 KG", "5", Unit.KG),
        ("５ｋｇ", "5", Unit.KG),
        ("5kgs", "5", Unit.KG),
        ("1.5吨", "1.5", Unit.TON),
        ("2t", "2", Unit.TON),
        ("2 tons", "2", Unit.TON),
        ("500克", "500", Unit.GRAM),
        ("500g", "500", Unit.GRAM),
        ("3箱", "3", Unit.BOX),
        ("3盒", "3", Unit.BOX),
        ("3 boxes", "3", Unit.BOX),
        ("2件", "2", Unit.PIECE),
        ("20个", "20", Unit.PIECE),
        ("20只", "20", Unit.PIECE),
        ("2头", "2", Unit.PIECE),
        ("30枚", "30", Unit.PIECE),
        ("20pcs", "20", Unit.PIECE),
        ("1袋", "1", Unit.BAG),
        ("1包", "1", Unit.BAG),
        ("2筐", "2", Unit.BASKET),
        ("2 baskets", "2", Unit.BASKET),
        ("6瓶", "6", Unit.BOTTLE),
        ("6罐", "6", Unit.BOTTLE),
        ("1,000斤", "1000", Unit.JIN),
        ("3.0箱", "3", Unit.BOX),  # a whole number written with a decimal
        ("+3箱", "3", Unit.BOX),
        ("1000000斤", "1000000", Unit.JIN),
        ("十斤", "10", Unit.JIN),
        ("半斤", "0.5", Unit.JIN),
        ("一斤半", "1.5", Unit.JIN),
        ("三箱", "3", Unit.BOX),
        ("十千克", "10", Unit.KG),
    ],
)
def test_accepted_quantities(text, amount, unit):
    assert parse_quantity(text) == Quantity(Decimal(amount), unit)


@pytest.mark.parametrize(
    ("text", "msgid"),
    [
        ("", q.QUANTITY_EMPTY),
        ("  ", q.QUANTITY_EMPTY),
        ("斤", q.QUANTITY_NOT_A_NUMBER),
        ("一二斤", q.QUANTITY_NOT_A_NUMBER),
        ("斤10", q.QUANTITY_NOT_A_NUMBER),
        ("1.2.3斤", q.QUANTITY_NOT_A_NUMBER),
        ("1,20斤", q.QUANTITY_NOT_A_NUMBER),
        ("1" * 40 + "斤", q.QUANTITY_NOT_A_NUMBER),
        ("10", q.QUANTITY_NO_UNIT),
        ("2.5", q.QUANTITY_NO_UNIT),
        ("10两", q.QUANTITY_UNKNOWN_UNIT),
        ("10元", q.QUANTITY_UNKNOWN_UNIT),
        ("10 pounds", q.QUANTITY_UNKNOWN_UNIT),
        ("10斤装", q.QUANTITY_UNKNOWN_UNIT),
        ("1.2345斤", q.QUANTITY_TOO_PRECISE),
        ("1.5000kg", q.QUANTITY_TOO_PRECISE),
        ("1.5箱", q.QUANTITY_NOT_WHOLE),
        ("2.5个", q.QUANTITY_NOT_WHOLE),
        ("500.5克", q.QUANTITY_NOT_WHOLE),
        ("0斤", q.QUANTITY_ZERO),
        ("0.000kg", q.QUANTITY_ZERO),
        ("-3斤", q.QUANTITY_NEGATIVE),
        ("−3斤", q.QUANTITY_NEGATIVE),
        ("－3斤", q.QUANTITY_NEGATIVE),
        ("1000001个", q.QUANTITY_TOO_LARGE),
        ("1001吨", q.QUANTITY_TOO_LARGE),
        ("2000000斤", q.QUANTITY_TOO_LARGE),
    ],
)
def test_refused_quantities(text, msgid):
    with pytest.raises(InvalidInput) as caught:
        parse_quantity(text)
    assert caught.value.text.msgid == msgid


MESSAGES = [
    q.QUANTITY_EMPTY,
    q.QUANTITY_NOT_A_NUMBER,
    q.QUANTITY_NO_UNIT,
    q.QUANTITY_UNKNOWN_UNIT,
    q.QUANTITY_TOO_PRECISE,
    q.QUANTITY_NOT_WHOLE,
    q.QUANTITY_ZERO,
    q.QUANTITY_NEGATIVE,
    q.QUANTITY_TOO_LARGE,
]


@pytest.mark.parametrize("msgid", MESSAGES)
def test_every_refusal_shows_an_example(msgid):
    assert "for example" in msgid


def test_unknown_unit_is_repeated():
    with pytest.raises(InvalidInput) as caught:
        parse_quantity("10两")
    assert caught.value.text.params == {"unit": "两"}
    assert parse_unit(" KG ") is Unit.KG


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("1斤", 500),
        ("10斤", 5000),
        ("1.5斤", 750),
        ("0.001斤", 1),  # half a gram rounds up
        ("0.003斤", 2),
        ("5kg", 5000),
        ("0.125公斤", 125),
        ("1.5吨", 1_500_000),
        ("1000吨", MAX_WEIGHT_GRAMS),
        ("500克", 500),
    ],
)
def test_weight_grams(text, grams):
    quantity = parse_quantity(text)
    assert quantity.is_weight and weight_grams(quantity) == grams


def test_counted_units_have_no_weight():
    quantity = parse_quantity("3箱")
    assert not quantity.is_weight
    with pytest.raises(ValueError):
        weight_grams(quantity)


def test_storage_round_trip_and_display():
    quantity = parse_quantity("2.500斤")
    assert quantity.milli == 2500
    assert Quantity.from_milli(2500, "jin") == Quantity(Decimal("2.5"), Unit.JIN)
    assert str(quantity) == format_quantity(quantity) == "2.5斤"
    assert str(parse_quantity("100kg")) == "100公斤"
    assert str(parse_quantity("20件")) == "20个"
    assert all(len(unit.value) <= 10 for unit in Unit)  # ledger_entries.unit is String(10)


def test_garbage_never_escapes_as_another_error():
    alphabet = "0123456789１.．,，-－+斤公kgKG箱个件吨克两元 　t"
    rng = random.Random(7)
    accepted = 0
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        try:
            quantity = parse_quantity(text)
        except InvalidInput as error:
            assert error.text.msgid in MESSAGES
            continue
        accepted += 1
        assert quantity.amount > 0 and -quantity.amount.as_tuple().exponent <= 3, text
        if quantity.is_weight:
            assert 0 < weight_grams(quantity) <= MAX_WEIGHT_GRAMS
    assert accepted > 100
