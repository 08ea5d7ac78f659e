"""QR code images for invites (and, later, station notice boards)."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png(payload: str, *, box_size: int = 10) -> bytes:
    """A PNG QR code. Medium error correction survives a creased printout or a smudge."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(payload)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
