"""Synthetic waybill photos for the barcode decoder tests.

A label is a white sheet with a border, rows of text-like blots and the symbol; the "photo"
puts it on a grey desk, optionally rotated, slightly blurred, fitted into 1280×960 (the size
Telegram recompresses photos to) and JPEG-compressed. Everything is seeded: the same call
gives the same bytes.
"""

from __future__ import annotations

import io
import random

import zxingcpp
from PIL import Image, ImageDraw, ImageFilter

PHOTO_SIZE = (1280, 960)
LABEL_SIZE = (1000, 700)  # about 100 × 70 mm at 10 px/mm, a common e-waybill (电子面单)
DESK_GREY = 150


def symbol_image(content: str, fmt: zxingcpp.BarcodeFormat, *, scale: int) -> Image.Image:
    """A crisp black-on-white symbol with quiet zones, as zxing-cpp writes it."""
    barcode = zxingcpp.create_barcode(content, fmt)
    view = memoryview(zxingcpp.write_barcode_to_image(barcode, scale=scale))
    height, width = view.shape[0], view.shape[1]
    return Image.frombytes("L", (width, height), bytes(view))


def _text_noise(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], rng: random.Random):
    """Rows of small dark blots that look like printed characters from afar."""
    left, top, right, bottom = box
    y = top
    while y + 22 <= bottom:
        x = left + rng.randint(0, 30)
        line_end = rng.randint((left + right) // 2, right)
        while x + 14 <= line_end:
            glyph_w = rng.randint(8, 16)
            draw.rectangle((x, y + rng.randint(0, 4), x + glyph_w, y + 18), fill=rng.randint(0, 60))
            x += glyph_w + rng.randint(3, 12)
        y += rng.randint(28, 40)


def _label(symbol: Image.Image | None, *, seed: int) -> Image.Image:
    rng = random.Random(seed)
    width, height = LABEL_SIZE
    label = Image.new("L", LABEL_SIZE, 255)
    draw = ImageDraw.Draw(label)
    draw.rectangle((8, 8, width - 9, height - 9), outline=0, width=4)
    draw.line((8, 120, width - 9, 120), fill=0, width=3)
    _text_noise(draw, (30, 20, width - 30, 110), rng)  # sender, big 三段码 row
    if symbol is None:
        _text_noise(draw, (30, 140, width - 30, height - 30), rng)
        return label
    if symbol.width > width - 40:  # keep every module; never resample a symbol
        raise ValueError("symbol wider than the label: lower the scale")
    x = (width - symbol.width) // 2
    label.paste(symbol, (x, 140))
    _text_noise(draw, (30, 160 + symbol.height, width - 30, height - 30), rng)
    return label


def _photo(
    label: Image.Image,
    *,
    angle: float,
    blur: float,
    jpeg_quality: int | None,
    size: tuple[int, int] = PHOTO_SIZE,
) -> bytes:
    picture = label.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    picture.thumbnail((size[0] - 80, size[1] - 80), Image.Resampling.LANCZOS)  # never enlarges
    photo = Image.new("L", size, DESK_GREY)
    # A paste mask so the rotated corners show the desk, not white.
    mask = Image.new("L", label.size, 255).rotate(angle, expand=True, fillcolor=0)
    mask = mask.resize(picture.size)
    photo.paste(
        picture,
        ((size[0] - picture.width) // 2, (size[1] - picture.height) // 2),
        mask,
    )
    if blur:
        photo = photo.filter(ImageFilter.GaussianBlur(blur))
    photo = photo.convert("RGB")  # phones send colour photos
    buffer = io.BytesIO()
    if jpeg_quality is None:
        photo.save(buffer, format="PNG")
    else:
        photo.save(buffer, format="JPEG", quality=jpeg_quality)
    return buffer.getvalue()


def code128_waybill(
    number: str,
    *,
    angle: float = 0.0,
    blur: float = 0.6,
    jpeg_quality: int | None = 80,
    scale: int = 3,
    seed: int = 0,
    size: tuple[int, int] = PHOTO_SIZE,
) -> bytes:
    """A photo (1280×960 unless `size` says otherwise) of a label carrying `number` as a
    Code128 barcode of `scale` px per module; JPEG, or PNG when jpeg_quality is None."""
    symbol = symbol_image(number, zxingcpp.BarcodeFormat.Code128, scale=scale)
    symbol = symbol.resize((symbol.width, 60 * scale))  # taller bars, as printed
    label = _label(symbol, seed=seed)
    return _photo(label, angle=angle, blur=blur, jpeg_quality=jpeg_quality, size=size)


def qr_waybill(
    payload: str,
    *,
    angle: float = 0.0,
    blur: float = 0.6,
    jpeg_quality: int | None = 80,
    scale: int = 6,
    seed: int = 0,
) -> bytes:
    """A photo of a label carrying `payload` (a URL, JSON, …) as a QR code."""
    symbol = symbol_image(payload, zxingcpp.BarcodeFormat.QRCode, scale=scale)
    return _photo(_label(symbol, seed=seed), angle=angle, blur=blur, jpeg_quality=jpeg_quality)


def blank_waybill(*, angle: float = 0.0, seed: int = 0) -> bytes:
    """A photo of a label with text-like print but no barcode at all."""
    return _photo(_label(None, seed=seed), angle=angle, blur=0.6, jpeg_quality=80)


def telegram_recompress(image_bytes: bytes, *, max_side: int = 1280, quality: int = 80) -> bytes:
    """What Telegram does to a picture sent as a photo: shrink to `max_side`, JPEG again."""
    image = Image.open(io.BytesIO(image_bytes)).convert("RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
