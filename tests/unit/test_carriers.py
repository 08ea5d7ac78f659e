"""Tracking numbers: clean-up, refusals, carrier guesses and the UPU S10 check digit."""

from __future__ import annotations

import pytest

from bot.domain.carriers import (
    CARRIER_NAMES_EN,
    CARRIER_NAMES_ZH,
    Carrier,
    CarrierGuess,
    guess_carrier,
    is_s10,
    normalise_tracking_number,
    s10_check_digit,
)
from bot.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SF1234567890123", "SF1234567890123"),
        ("  sf 1234 5678 90123 ", "SF1234567890123"),
        ("7731-9491-7396-313", "773194917396313"),
        ("７７３１９４９１７３９６３１３", "773194917396313"),  # full-width digits (NFKC)
        ("ｊｔ０００６９６８３２６９５４", "JT0006968326954"),
        ("ea 123 456 785 cn", "EA123456785CN"),
        ("7731\u20149491\u2013739\t6313", "773194917396313"),  # em/en dash, tab
        ("12345678", "12345678"),  # 8: the shortest accepted
        ("A" * 30, "A" * 30),  # 30: the longest accepted
    ],
)
def test_normalise_tracking_number(raw, expected):
    assert normalise_tracking_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "- -",
        "1234567",  # 7 characters
        "A" * 31,
        "SF12345678/90",
        "SF1234567890123#",
        "顺丰1234567890123",
        "773194917396313.",
    ],
)
def test_normalise_refuses_with_an_example(raw):
    with pytest.raises(InvalidInput) as caught:
        normalise_tracking_number(raw)
    assert "SF1234567890123" in caught.value.text.msgid  # the message shows an example
    assert caught.value.text.params == {}


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("SF1234567890123", Carrier.SF),
        ("SF123456789012", Carrier.SF),
        ("JD0012345678901", Carrier.JD),
        ("JDVA12345678901", Carrier.JD),
        ("JDX000123456789", Carrier.JD),
        ("YT6900634716900", Carrier.YTO),
        ("JT0006968326954", Carrier.JT),
        ("DPK364112047425", Carrier.DEPPON),
        ("EA123456785CN", Carrier.EMS),  # S10, EMS service indicator
        ("RR123456785CN", Carrier.CHINA_POST),  # S10, registered letter
        ("CP473124829CN", Carrier.CHINA_POST),
        ("AA473124829GB", Carrier.CHINA_POST),  # inbound international item
        (" sf 1234 5678 90123", Carrier.SF),  # raw input is cleaned first
    ],
)
def test_unambiguous_prefixes_are_confident(number, carrier):
    guess = guess_carrier(number)
    assert guess == CarrierGuess(carrier, True, (carrier,))


@pytest.mark.parametrize(
    ("number", "first", "also"),
    [
        ("78636098066239", Carrier.ZTO, {Carrier.BEST}),  # ZTO 14 digits, 78…
        ("73100012345678", Carrier.ZTO, {Carrier.BEST}),
        ("75312345678901", Carrier.ZTO, {Carrier.BEST}),
        ("773194917396313", Carrier.STO, set()),  # STO 77 + 13 digits
        ("268123456789", Carrier.STO, set()),  # STO 268… 12 digits
        ("3101234567890", Carrier.YUNDA, set()),  # Yunda 13 digits
        ("5301156237108", Carrier.YUNDA, set()),
        ("312345678901234", Carrier.YUNDA, set()),  # Yunda 15 digits
        ("432895069186308", Carrier.YUNDA, {Carrier.STO, Carrier.CHINA_POST}),
        ("1012345678901", Carrier.YUNDA, {Carrier.EMS}),
        ("1112345678901", Carrier.EMS, set()),
        ("9889510569807", Carrier.CHINA_POST, set()),  # 邮政快递包裹
        ("12345678", Carrier.DEPPON, set()),
        ("LP00123456789012", Carrier.CAINIAO, set()),
        ("EA123456784CN", Carrier.EMS, {Carrier.CHINA_POST}),  # S10 shape, bad check digit
        ("RR123456784CN", Carrier.CHINA_POST, set()),
    ],
)
def test_shared_shapes_ask_the_keeper(number, first, also):
    guess = guess_carrier(number)
    assert not guess.confident
    assert guess.carrier == guess.candidates[0] == first
    assert set(guess.candidates) == {first} | also
    assert len(set(guess.candidates)) == len(guess.candidates)


@pytest.mark.parametrize("number", ["ABCDEFGHIJ", "XY12", "", "顺丰", "Z" * 40, "00"])
def test_unknown_shapes_give_no_carrier(number):
    assert guess_carrier(number) == CarrierGuess(None, False, ())


@pytest.mark.parametrize(
    ("serial", "check"),
    [
        ("47312482", 9),  # the UPU S10 worked example: AA473124829GB
        ("12345678", 5),
        ("00000000", 5),  # 11 - 0 = 11 → 5
        ("00000001", 4),
        ("00000008", 0),  # 56 % 11 = 1 → 11 - 1 = 10 → 0
    ],
)
def test_s10_check_digit(serial, check):
    assert s10_check_digit(serial) == check


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("EA123456785CN", True),
        ("ea 123 456 785 cn", True),
        ("AA473124829GB", True),
        ("EA123456784CN", False),
        ("AA473124828GB", False),
        ("EA12345678CN", False),  # 8 digits in all
        ("E1123456785CN", False),
        ("EA123456785C1", False),
    ],
)
def test_is_s10(number, valid):
    assert is_s10(number) is valid


def test_s10_check_digit_refuses_a_bad_serial():
    with pytest.raises(ValueError):
        s10_check_digit("1234567")


def test_every_carrier_has_both_names_and_a_short_code():
    for carrier in Carrier:
        assert CARRIER_NAMES_ZH[carrier] and CARRIER_NAMES_EN[carrier]
        assert carrier.name_zh == CARRIER_NAMES_ZH[carrier]
        assert carrier.name_en == CARRIER_NAMES_EN[carrier]
        assert len(carrier.value) <= 20  # the ledger's carrier column
    assert Carrier("SF") is Carrier.SF and Carrier.SF == "SF"
    assert Carrier.ZTO.name_zh == "中通快递"
