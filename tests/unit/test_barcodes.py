"""Waybill barcodes decoded from generated photos (see tests/support/waybills.py)."""

from __future__ import annotations

import io
import random
import time

import pytest
import zxingcpp
from PIL import Image

from adapters.barcodes import decode_tracking_numbers, tracking_numbers_in
from tests.support.waybills import (
    blank_waybill,
    code128_waybill,
    qr_waybill,
    symbol_image,
    telegram_recompress,
)

SF = "SF1234567890123"
STO = "773194917396313"


@pytest.mark.parametrize(
    ("number", "angle"),
    [
        (SF, 0),
        (SF, 7),
        (SF, -7),  # also read along a few slanted lines as SF1230032890123: dropped
        (SF, 90),
        (SF, 180),
        (SF, 45),  # read from the 45° fallback pass
        (STO, 7),
        ("JDVA12345678901", 22),  # read from a ±22.5° fallback pass
        ("EA123456785CN", 270),
    ],
)
def test_code128_label_photo(number, angle):
    photo = code128_waybill(number, angle=angle)
    assert Image.open(io.BytesIO(photo)).size == (1280, 960)
    assert decode_tracking_numbers(photo) == [number]


def test_lossless_and_heavily_compressed_photos():
    assert decode_tracking_numbers(code128_waybill(SF, jpeg_quality=None)) == [SF]  # PNG
    assert decode_tracking_numbers(code128_waybill(SF, angle=7, jpeg_quality=40)) == [SF]


def test_telegram_recompression_can_lose_what_the_file_keeps():
    # A 2560×1920 picture with a fine barcode (1 px per module) decodes when sent as a file;
    # shrunk to 1280 px the bars merge, hence the hint to resend the picture as a file.
    fine = code128_waybill(STO, scale=1, size=(2560, 1920), jpeg_quality=92, angle=3)
    assert decode_tracking_numbers(fine) == [STO]
    assert decode_tracking_numbers(telegram_recompress(fine)) == []
    # A barcode printed large survives the recompression.
    coarse = code128_waybill(STO, scale=6, size=(2560, 1920), jpeg_quality=92, angle=3)
    assert decode_tracking_numbers(telegram_recompress(coarse, quality=70)) == [STO]


@pytest.mark.parametrize("angle", [0, 7, 90])
def test_qr_with_a_url_payload(angle):
    photo = qr_waybill("https://m.example.cn/track?src=label&no=YT6900634716900", angle=angle)
    assert decode_tracking_numbers(photo) == ["YT6900634716900"]


def test_qr_with_a_json_payload():
    photo = qr_waybill('{"carrier":"JT","waybillNo":"JT0006968326954","weight":1.2}')
    assert decode_tracking_numbers(photo) == ["JT0006968326954"]


def test_several_symbols_come_out_distinct_and_in_a_stable_order():
    label = Image.new("L", (900, 700), 255)
    label.paste(symbol_image(STO, zxingcpp.BarcodeFormat.QRCode, scale=5), (560, 40))
    bars = symbol_image(SF, zxingcpp.BarcodeFormat.Code128, scale=2)
    bars = bars.resize((bars.width, 80))  # taller only: the modules stay 2 px wide
    label.paste(bars, (40, 500))
    label.paste(bars, (40, 360))
    buffer = io.BytesIO()
    label.save(buffer, format="PNG")
    # Code128 before QR whatever their places; the SF number once although printed twice.
    assert decode_tracking_numbers(buffer.getvalue()) == [SF, STO]


def test_a_photo_without_a_barcode_gives_nothing_quickly():
    started = time.perf_counter()
    assert decode_tracking_numbers(blank_waybill(angle=7)) == []
    assert time.perf_counter() - started < 1.0  # every fallback ran, within the budget


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        random.Random(7).randbytes(20_000),
        b"\x89PNG\r\n\x1a\n" + random.Random(8).randbytes(500),  # truncated PNG
        b"\xff\xd8\xff\xe0" + random.Random(9).randbytes(500),  # broken JPEG
    ],
)
def test_bytes_that_are_no_image_give_nothing(data):
    assert decode_tracking_numbers(data) == []


def test_unusual_image_modes_are_read():
    symbol = symbol_image(SF, zxingcpp.BarcodeFormat.Code128, scale=3)
    for mode in ("1", "P", "RGBA", "CMYK"):
        page = Image.new("L", (800, 300), 255)
        page.paste(symbol.resize((symbol.width, 150)), (100, 60))
        buffer = io.BytesIO()
        page.convert(mode).save(buffer, format="TIFF")
        assert decode_tracking_numbers(buffer.getvalue()) == [SF], mode


@pytest.mark.parametrize(
    ("payload", "numbers"),
    [
        ("SF1234567890123", ["SF1234567890123"]),
        (" sf1234567890123\n", ["SF1234567890123"]),
        ("https://x.example.cn/q?no=773194917396313", ["773194917396313"]),
        ("https://x.example.cn/q?mail_no=773194917396313&no=x", ["773194917396313"]),
        ("https://x.example.cn/#/detail?waybillNo=JT0006968326954", ["JT0006968326954"]),
        ("https://x.example.cn/t/SF1234567890123?lang=zh", ["SF1234567890123"]),
        ("www.example.cn/track?billcode=YT6900634716900", ["YT6900634716900"]),
        ('{"mailNo": "JT0006968326954"}', ["JT0006968326954"]),
        ('[{"order": {"waybill_no": 773194917396313}}]', ["773194917396313"]),
        ('{"a": "b", "c": "ID 5301156237108 end"}', ["5301156237108"]),
        ("运单号：78636098066239，谢谢", ["78636098066239"]),
        ("https://example.cn/welcome", []),
        ("hello world, no numbers", []),
        ("https://x.example.cn/s?sid=" + "ab12" * 10, []),  # a 40-character token
        ('{"broken": ', []),
    ],
)
def test_tracking_numbers_in_payloads(payload, numbers):
    assert tracking_numbers_in(payload) == numbers
