"""Phone numbers are personal data: only a keyed hash and the last four digits are kept.

The keyed hash (HMAC-SHA256 with a server secret) lets a villager who later subscribes
with the same number be matched to their parcels, but cannot be reversed by anyone
holding the database without the key (a plain hash of an 11-digit number can).
"""

from __future__ import annotations

import hashlib
import hmac


def phone_hash(key: bytes, number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()
