"""Chinese numerals keepers write (两千, 一千二, 1千2, 十斤, 半斤): read only when certain."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.chinese_numerals import arabic, parse_chinese_number
from bot.domain.one_line import parse_line


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("两千", 2000),
        ("一千二", 1200),
        ("一千二百", 1200),
        ("1千2", 1200),
        ("两百五", 250),
        ("一百零五", 105),
        ("一千零五十", 1050),
        ("两万五", 25_000),
        ("1万2千", 12_000),
        ("十万", 100_000),
        ("壹仟贰佰", 1200),
        ("半", Decimal("0.5")),
    ],
)
def test_numbers(text, value):
    assert parse_chinese_number(text) == value


@pytest.mark.parametrize("text", ["一二", "千", "十百", "千千", "万万", "一万二万", "abc", "12"])
def test_ambiguous_or_not_numbers(text):
    assert parse_chinese_number(text) is None


def test_only_whole_number_words_are_rewritten():
    units = {"", "斤", "箱", "元"}.__contains__
    assert arabic("十斤", units) == "10斤"
    assert arabic("三黄鸡", units) == "三黄鸡"
    assert arabic("十三香", units) == "十三香"


@pytest.mark.parametrize(
    ("line", "fen", "quantity"),
    [
        ("售 脆李 十斤 四百", 40_000, "10斤"),
        ("售 脆李 半斤 5", 500, "0.5斤"),
        ("售 苹果 三箱 一千二", 120_000, "3箱"),
        ("售 三黄鸡 2只 80", 8_000, "2个"),
    ],
)
def test_one_line_sales(line, fen, quantity):
    form = parse_line(line)
    assert (form.amount_fen, str(form.quantity)) == (fen, quantity)


def test_one_line_amounts():
    assert parse_line("代购 洗衣机 两千").amount_fen == 200_000
    assert parse_line("代购 十三香 20").item == "十三香"
    assert parse_line("话费 一百").amount_fen == 10_000
