"""Whole numbers after a command, and zones in words: the core helpers every front end uses."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.numbers import MAX_ID, parse_whole_number
from bot.domain.zones import ZONE_WORDS, zone_words
from bot.i18n import Translator

USAGE = (
    "“{value}” is not an entry number. Write it like: /history 12 — the entry number from /recent."
)


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("12", 12),
        (" 12 ", 12),
        ("#12", 12),
        ("１２", 12),
        ("＃１２", 12),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
    ],
)
def test_whole_numbers(raw, number):
    assert parse_whole_number(raw, USAGE) == number


@pytest.mark.parametrize(
    "raw",
    [
        "²",  # isdigit() says yes, int() says no
        "①",
        "٣",  # int() would read an Arabic-Indic 3: refused, not guessed
        "1²",
        "",
        "#",
        "-3",
        "+3",
        "1.5",
        "1e3",
        "12abc",
        "0",
        str(MAX_ID + 1),
        "99999999999999999999999",  # overflows BIGINT
        "1" * 5000,  # past int()'s digit limit
    ],
)
def test_not_whole_numbers_raise_the_usage(raw):
    with pytest.raises(InvalidInput) as caught:
        parse_whole_number(raw, USAGE)
    assert caught.value.text.msgid == USAGE
    assert len(caught.value.text.params["value"]) <= 20


def test_bounds():
    assert parse_whole_number("168", USAGE, high=168) == 168
    with pytest.raises(InvalidInput):
        parse_whole_number("169", USAGE, high=168)
    assert parse_whole_number("0", USAGE, low=0) == 0


def test_zones_in_words():
    zh, en = Translator("zh"), Translator("en")
    assert zh(zone_words("Asia/Shanghai")) == "北京时间"
    assert en(zone_words("Asia/Shanghai")) == "Beijing time"
    assert zh(zone_words("Asia/Urumqi")) == "乌鲁木齐时间"
    assert zh(zone_words("Asia/Chongqing")) == "北京时间"  # a legacy name for the same zone
    assert zh(zone_words("Europe/Berlin")) == "Europe/Berlin"  # no words: the name itself


def test_every_named_zone_exists_and_is_translated():
    zh = Translator("zh")
    for zone, words in ZONE_WORDS.items():
        ZoneInfo(zone)
        assert zh(words) != words and not any("a" <= ch.lower() <= "z" for ch in zh(words))
