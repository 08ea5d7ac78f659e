"""Amounts as keepers type them: exact integer fen, clear refusals, soft ceilings."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from bot.domain import money
from bot.domain.errors import InvalidInput
from bot.domain.money import (
    CEILINGS_FEN,
    MAX_FEN,
    AmountKind,
    check_amount,
    fen_to_yuan,
    format_fen,
    format_yuan,
    needs_confirmation,
    parse_amount,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        # every form in the issue
        ("1200", 120_000),
        ("1,200", 120_000),
        ("1200元", 120_000),
        ("¥1200", 120_000),
        ("￥1200", 120_000),
        ("1200块", 120_000),
        ("1200.5", 120_050),
        ("１２００", 120_000),
        ("1.2万", 1_200_000),
        # and the others the brief lists
        ("1200.50", 120_050),
        ("1200.05", 120_005),
        ("0.01", 1),
        (".5", 50),
        ("1200.", 120_000),
        ("+5", 500),
        ("1200元整", 120_000),
        ("1200块钱", 120_000),
        ("1200圆", 120_000),
        ("RMB 1200", 120_000),
        ("rmb1200", 120_000),
        ("CNY1200", 120_000),
        ("1200 CNY", 120_000),
        ("1200 yuan", 120_000),
        ("1200yuan", 120_000),
        ("1200rmb", 120_000),
        ("人民币1200元", 120_000),
        ("  ¥ 1,200.50 元 ", 120_050),
        ("1,234,567.89", 123_456_789),
        ("1，200", 120_000),  # full-width comma
        ("1200．50", 120_050),  # full-width point
        ("１,２００.５０元", 120_050),
        ("￥１２００", 120_000),
        ("\u30001200\u3000", 120_000),  # ideographic spaces
        ("1.2万元", 1_200_000),
        ("1.2 万", 1_200_000),
        ("¥1.2万", 1_200_000),
        ("1.2w", 1_200_000),
        ("1.2W", 1_200_000),
        ("3千", 300_000),
        ("3k", 300_000),
        ("3K", 300_000),
        ("2.5k", 250_000),
        ("1.23456万", 1_234_560),  # 12,345.60 yuan: exact to the fen
        ("0.0001万", 100),
        ("1,000万", MAX_FEN),  # exactly the absolute maximum
        ("10000000", MAX_FEN),
        ("两千", 200_000),
        ("一千二", 120_000),
        ("一千二百元", 120_000),
        ("1千2", 120_000),
        ("两万五", 2_500_000),
        ("三块半", 350),
    ],
)
def test_accepted_amounts(text, fen):
    result = parse_amount(text)
    assert result == fen and isinstance(result, int)


@pytest.mark.parametrize(
    ("text", "msgid"),
    [
        ("", money.AMOUNT_EMPTY),
        ("   ", money.AMOUNT_EMPTY),
        ("\u3000", money.AMOUNT_EMPTY),
        ("abc", money.AMOUNT_NOT_A_NUMBER),
        ("一二", money.AMOUNT_NOT_A_NUMBER),  # not one Chinese number
        ("千", money.AMOUNT_NOT_A_NUMBER),
        ("$12", money.AMOUNT_NOT_A_NUMBER),
        ("12块5", money.AMOUNT_NOT_A_NUMBER),
        ("1 200", money.AMOUNT_NOT_A_NUMBER),
        ("1e3", money.AMOUNT_NOT_A_NUMBER),
        ("¥", money.AMOUNT_NOT_A_NUMBER),
        ("元", money.AMOUNT_NOT_A_NUMBER),
        ("万", money.AMOUNT_NOT_A_NUMBER),
        ("-", money.AMOUNT_NOT_A_NUMBER),
        ("1200元元", money.AMOUNT_NOT_A_NUMBER),
        ("1万万", money.AMOUNT_NOT_A_NUMBER),
        ("NaN", money.AMOUNT_NOT_A_NUMBER),
        ("Infinity", money.AMOUNT_NOT_A_NUMBER),
        ("1" * 50, money.AMOUNT_NOT_A_NUMBER),
        ("١٢٠٠", money.AMOUNT_NOT_A_NUMBER),  # Arabic-Indic digits are not accepted
        ("1,20", money.AMOUNT_BAD_COMMAS),
        ("1,2000", money.AMOUNT_BAD_COMMAS),
        ("12,00", money.AMOUNT_BAD_COMMAS),
        ("1.200,50", money.AMOUNT_BAD_COMMAS),
        ("01,200", money.AMOUNT_BAD_COMMAS),
        (",120", money.AMOUNT_BAD_COMMAS),
        ("1.2.3", money.AMOUNT_POINTS),
        ("1..2", money.AMOUNT_POINTS),
        ("12.345", money.AMOUNT_TOO_PRECISE),
        ("1.200", money.AMOUNT_TOO_PRECISE),  # maybe 1,200: refuse rather than guess
        ("0.001", money.AMOUNT_TOO_PRECISE),
        ("1.2345678万", money.AMOUNT_TOO_PRECISE),
        ("0", money.AMOUNT_ZERO),
        ("0.00", money.AMOUNT_ZERO),
        ("¥0", money.AMOUNT_ZERO),
        ("0万", money.AMOUNT_ZERO),
        ("-0", money.AMOUNT_ZERO),
        ("-5", money.AMOUNT_NEGATIVE),
        ("－5", money.AMOUNT_NEGATIVE),  # full-width minus
        ("−5", money.AMOUNT_NEGATIVE),  # U+2212
        ("-¥5", money.AMOUNT_NEGATIVE),
        ("¥-5", money.AMOUNT_NEGATIVE),
        ("负5", money.AMOUNT_NEGATIVE),
        ("-1.2万", money.AMOUNT_NEGATIVE),
        ("10000000.01", money.AMOUNT_TOO_LARGE),
        ("10000001", money.AMOUNT_TOO_LARGE),
        ("1001万", money.AMOUNT_TOO_LARGE),
        ("99999999999999999999999999999999", money.AMOUNT_TOO_LARGE),
    ],
)
def test_refused_amounts(text, msgid):
    with pytest.raises(InvalidInput) as caught:
        parse_amount(text)
    assert caught.value.text.msgid == msgid


MESSAGES = [
    money.AMOUNT_EMPTY,
    money.AMOUNT_NOT_A_NUMBER,
    money.AMOUNT_TOO_PRECISE,
    money.AMOUNT_BAD_COMMAS,
    money.AMOUNT_POINTS,
    money.AMOUNT_ZERO,
    money.AMOUNT_NEGATIVE,
    money.AMOUNT_TOO_LARGE,
]


@pytest.mark.parametrize("msgid", MESSAGES)
def test_every_refusal_shows_what_to_type(msgid):
    assert "for example" in msgid or "like" in msgid


def test_refusal_repeats_the_input_cut_short():
    with pytest.raises(InvalidInput) as caught:
        parse_amount("not a number at all, really not")
    value = caught.value.text.params["value"]
    assert len(value) <= 20 and value.endswith("…")
    with pytest.raises(InvalidInput) as caught:
        parse_amount("10000001")
    assert caught.value.text.params == {"limit": "10,000,000"}


def test_ceiling_lowers_the_hard_limit_but_never_raises_it():
    assert parse_amount("500", ceiling_fen=50_000) == 50_000
    with pytest.raises(InvalidInput) as caught:
        parse_amount("500.01", ceiling_fen=50_000)
    assert caught.value.text.msgid == money.AMOUNT_TOO_LARGE
    assert caught.value.text.params == {"limit": "500"}
    with pytest.raises(InvalidInput):
        parse_amount("10000001", ceiling_fen=MAX_FEN * 10)


def test_zero_is_allowed_only_when_asked():
    assert parse_amount("0", allow_zero=True) == 0
    assert parse_amount("0元", allow_zero=True) == 0
    with pytest.raises(InvalidInput):
        parse_amount("-1", allow_zero=True)


def test_ceilings_are_per_kind_and_only_ask_to_confirm():
    assert CEILINGS_FEN == {
        "proxy_purchase": 2_000_000,
        "upstream_sale": 5_000_000,
        "service": 500_000,
        "declared_value": 1_000_000,
        "fee": 50_000,
    }
    fen = parse_amount("2.5万")  # above the proxy-purchase ceiling: still parsed
    check = check_amount(fen, AmountKind.PROXY_PURCHASE)
    assert check.needs_confirmation and check.kind == "proxy_purchase"
    assert check.confirmation().msgid == money.AMOUNT_CONFIRM
    assert check.confirmation().params == {"amount": "25,000.00", "ceiling": "20,000"}
    assert not check_amount(2_000_000, "proxy_purchase").needs_confirmation  # at it is fine
    assert check_amount(2_000_001, "proxy_purchase").needs_confirmation
    assert needs_confirmation(501, 500) and not needs_confirmation(500, 500)
    assert check_amount(100, "x", {"x": 50}).needs_confirmation


@pytest.mark.parametrize(
    ("fen", "plain", "compact", "yuan", "symbol"),
    [
        (123_450, "1,234.50", "1,234.50", "1,234.50元", "¥1,234.50"),
        (100_000_000, "1,000,000.00", "1,000,000", "1,000,000.00元", "¥1,000,000.00"),
        (5, "0.05", "0.05", "0.05元", "¥0.05"),
        (0, "0.00", "0", "0.00元", "¥0.00"),
        (-123_450, "-1,234.50", "-1,234.50", "-1,234.50元", "-¥1,234.50"),
    ],
)
def test_format(fen, plain, compact, yuan, symbol):
    assert format_fen(fen) == plain
    assert format_fen(fen, compact=True) == compact
    assert format_yuan(fen) == yuan
    assert format_yuan(fen, symbol=True) == symbol


def test_format_round_trips():
    for fen in (1, 99, 100, 123_456_789, MAX_FEN):
        assert parse_amount(format_fen(fen)) == fen
        assert parse_amount(format_yuan(fen)) == fen
        assert parse_amount(format_yuan(fen, symbol=True)) == fen
    assert fen_to_yuan(123_450) == Decimal("1234.50")


ALPHABET = "0123456789０１２.．,，¥￥-－+元块万千kKw整rmbRMBcnyyuan 　e,.abc负\u2212$/"


def test_garbage_never_escapes_as_another_error_or_a_bad_amount():
    rng = random.Random(20240601)
    accepted = 0
    for _ in range(20_000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        try:
            fen = parse_amount(text)
        except InvalidInput as error:
            assert error.text.msgid in MESSAGES
            continue
        accepted += 1
        assert isinstance(fen, int) and 0 < fen <= MAX_FEN, text
    assert accepted > 100  # the alphabet makes real amounts too
