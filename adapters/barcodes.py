"""Tracking numbers from a photo of a waybill (电子面单), decoded on the server with zxing-cpp.

An adapter, not core: it turns image bytes into candidate tracking numbers and leaves the
rest (carrier, ledger) to the domain and services.

Telegram recompresses a *photo* to about 1280 px on the long side and JPEG quality around
80, which can blur the thin bars of a long Code128 waybill number shot from a distance. The
same picture sent as a *file* (document) arrives untouched at full resolution, so when a
photo gives nothing the chat should suggest sending the picture as a file.

CPU-bound (about 10–20 ms per pass on a 1280×960 photo, a few passes at most within the
time budget): call it from async code through `asyncio.to_thread`.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import zxingcpp
from PIL import Image, ImageOps

from bot.domain.carriers import normalise_tracking_number
from bot.domain.errors import InvalidInput

log = logging.getLogger(__name__)

_F = zxingcpp.BarcodeFormat
# Most preferred first: the candidates come out in this order (then top to bottom).
_FORMATS: tuple[zxingcpp.BarcodeFormat, ...] = (
    _F.Code128,
    _F.Code39,
    _F.Code93,
    _F.ITF,
    _F.QRCode,
    _F.DataMatrix,
    _F.PDF417,
    _F.EAN13,  # product codes more often than parcels: last
    _F.EAN8,
    _F.UPCA,
)
_FORMAT_RANK = {fmt: rank for rank, fmt in enumerate(_FORMATS)}
_LINEAR = {_F.Code128, _F.Code39, _F.Code93, _F.ITF, _F.EAN13, _F.EAN8, _F.UPCA}
_READ_FORMATS = zxingcpp.BarcodeFormats(_FORMATS)

DEFAULT_BUDGET_S = 0.6
MAX_SIDE = 4096  # larger pictures are shrunk first; zxing also tries downscaled copies
MAX_PIXELS = 40_000_000  # refuse anything bigger (decompression bombs) without decoding
FALLBACK_SIDE = 2048  # the fallback passes work on a copy at most this large
SMALL_SIDE = 1000  # below this on the long side, an upscaled copy is worth a pass

# Query keys carriers put the waybill number under, lower-cased without _ and -.
_NUMBER_KEYS = frozenset(
    {
        "no",
        "nu",
        "num",
        "number",
        "mailno",
        "waybill",
        "waybillno",
        "waybillcode",
        "billno",
        "billcode",
        "trackingno",
        "trackingnumber",
        "tracking",
        "expressno",
        "logisticno",
        "logisticsno",
        "logisticcode",
        "shipmentno",
        "code",
        "id",
    }
)
_RUN_RE = re.compile(r"[A-Za-z0-9]+")
_MIN_DIGITS = 6  # every tracking number carries digits; words and host names do not


def decode_tracking_numbers(image_bytes: bytes, *, budget_s: float = DEFAULT_BUDGET_S) -> list[str]:
    """Distinct plausible tracking numbers found in the barcodes of an image, in a stable
    order (preferred symbology first, then top to bottom). [] for no barcode, unreadable
    or non-image bytes. Fallback passes run only while the first found nothing and the
    time budget lasts."""
    image = _open(image_bytes)
    if image is None:
        return []
    start = time.monotonic()
    deadline = start + budget_s
    for attempt in _attempts(image):
        numbers = _numbers(_read(attempt))
        now = time.monotonic()
        # Stop when found, or when another pass as long as this one would overrun.
        if numbers or now + (now - start) > deadline:
            return numbers
        start = now
    return []


def _open(image_bytes: bytes) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(image_bytes))
        if image.format == "JPEG":
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # libjpeg shrinks huge photos cheaply
        if image.width * image.height > MAX_PIXELS:
            log.info("image of %sx%s refused: too large", image.width, image.height)
            return None
        image.load()
    except Exception as exc:  # Pillow raises many types on foreign or truncated bytes
        log.debug("not a readable image: %r", exc)
        return None
    if image.mode not in ("L", "RGB", "RGBA"):
        image = image.convert("RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return image


def _attempts(image: Image.Image) -> Iterator[Image.Image]:
    """The image as is, then cheap variants. zxing itself already tries 90° rotations,
    inverted colours and downscaled copies, so the variants cover what it does not."""
    yield image
    gray = ImageOps.autocontrast(image.convert("L"), cutoff=1)  # dim or washed-out photos
    gray.thumbnail((FALLBACK_SIDE, FALLBACK_SIDE), Image.Resampling.BILINEAR)  # only shrinks
    yield gray
    if max(gray.size) < SMALL_SIDE:  # thin bars in a small picture: give them 2 px each
        yield gray.resize((gray.width * 2, gray.height * 2), Image.Resampling.BICUBIC)
    # Linear codes are read along rows and columns, which tolerates a tilt of about ±15°:
    # a label lying at a steeper angle is read from a copy turned by 45°, then ±22.5°.
    for angle in (45, 22.5, -22.5):
        yield gray.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)


def _read(image: Image.Image) -> list[zxingcpp.Barcode]:
    try:
        return zxingcpp.read_barcodes(image, formats=_READ_FORMATS)
    except Exception as exc:  # an odd mode or size must not break the chat
        log.warning("barcode reading failed: %r", exc)
        return []


def _numbers(barcodes: list[zxingcpp.Barcode]) -> list[str]:
    kept = _drop_partial_misreads(barcodes)
    kept.sort(key=lambda b: (_FORMAT_RANK.get(b.format, len(_FORMATS)), *_centre(b)[::-1]))
    found: dict[str, None] = {}
    for barcode in kept:
        for number in tracking_numbers_in(barcode.text):
            found.setdefault(number)
    return list(found)


# --- Geometry: reject a second, different reading of the same printed symbol ---------------


def _centre(barcode: zxingcpp.Barcode) -> tuple[float, float]:
    p = barcode.position
    corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
    return sum(c.x for c in corners) / 4, sum(c.y for c in corners) / 4


def _support(barcode: zxingcpp.Barcode) -> float:
    """How far along the bars the scan lines agreed: the height of a linear result."""
    p = barcode.position
    return math.dist((p.top_left.x, p.top_left.y), (p.bottom_left.x, p.bottom_left.y))


def _inside(point: tuple[float, float], barcode: zxingcpp.Barcode, pad: float = 4) -> bool:
    p = barcode.position
    xs = [c.x for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
    ys = [c.y for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
    return min(xs) - pad <= point[0] <= max(xs) + pad and min(ys) - pad <= point[1] <= max(ys) + pad


def _drop_partial_misreads(barcodes: list[zxingcpp.Barcode]) -> list[zxingcpp.Barcode]:
    """A tilted 1D code is sometimes also read along a few slanted scan lines with a wrong
    digit that still passes the weak Code128 checksum. Such a reading lies inside the true
    one's area and is supported by far fewer lines: keep only the best supported reading."""
    linear = sorted((b for b in barcodes if b.format in _LINEAR), key=_support, reverse=True)
    kept = [b for b in barcodes if b.format not in _LINEAR]
    for barcode in linear:
        if not any(_inside(_centre(barcode), other) for other in kept if other.format in _LINEAR):
            kept.append(barcode)
    return kept


# --- Payloads: a bare number, a URL or JSON -----------------------------------------------


def tracking_numbers_in(payload: str) -> list[str]:
    """Plausible tracking numbers in one barcode's text, best first.

    A bare number is taken as is. A URL gives its number-like query parameters (`?no=…`,
    `?waybillNo=…`) or else its longest letter-and-digit run; JSON gives its number-like
    keys or else its longest run; anything else gives its longest run. Runs need 8–30
    characters with at least 6 digits."""
    text = payload.strip()
    bare = _plausible(text)
    if bare is not None:
        return [bare]
    found: dict[str, None] = {}
    for value in _keyed_values(text):
        number = _plausible(value)
        if number is not None:
            found.setdefault(number)
    if not found:
        runs = [n for n in map(_plausible, _RUN_RE.findall(text)) if n is not None]
        if runs:
            found.setdefault(max(runs, key=len))  # max keeps the first of equal lengths
    return list(found)


def _plausible(value: str) -> str | None:
    try:
        number = normalise_tracking_number(value)
    except InvalidInput:
        return None
    if sum(ch.isdigit() for ch in number) < _MIN_DIGITS:
        return None
    return number


def _keyed_values(text: str) -> Iterator[str]:
    if text.startswith(("{", "[")):
        try:
            yield from _json_values(json.loads(text))
        except ValueError:
            pass
        return
    if "://" in text or text.lower().startswith("www."):
        parts = urlsplit(text if "://" in text else "https://" + text)
        for query in (parts.query, parts.fragment.partition("?")[2]):
            for key, value in parse_qsl(query, keep_blank_values=False):
                if _key(key) in _NUMBER_KEYS:
                    yield value


def _json_values(data: object) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str | int) and not isinstance(value, bool):
                if _key(str(key)) in _NUMBER_KEYS:
                    yield str(value)
            else:
                yield from _json_values(value)
    elif isinstance(data, list):
        for item in data:
            yield from _json_values(item)


def _key(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")
