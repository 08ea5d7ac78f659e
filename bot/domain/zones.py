"""Time zones as people say them: `Asia/Shanghai` is 北京时间 (Beijing time).

A county's zone decides its months and the times its screens show; the IANA name is for
machines. The zones used in China (and the legacy names tzdata keeps for them) have a
name in words; any other zone is shown by its IANA name, which is still unambiguous.
"""

from __future__ import annotations

from bot.domain.text import N_

ZONE_WORDS: dict[str, str] = {
    "Asia/Shanghai": N_("Beijing time"),
    # Legacy tzdata names that are links to Asia/Shanghai.
    "Asia/Chongqing": N_("Beijing time"),
    "Asia/Chungking": N_("Beijing time"),
    "Asia/Harbin": N_("Beijing time"),
    "PRC": N_("Beijing time"),
    # Xinjiang time, UTC+6, used locally in Xinjiang beside Beijing time.
    "Asia/Urumqi": N_("Urumqi time"),
    "Asia/Kashgar": N_("Urumqi time"),
    "Asia/Hong_Kong": N_("Hong Kong time"),
    "Asia/Macau": N_("Macau time"),
    "Asia/Taipei": N_("Taipei time"),
    "UTC": N_("UTC"),
    "Etc/UTC": N_("UTC"),
}


def zone_words(zone: str) -> str:
    """The zone in words as a msgid to translate (`t(zone_words(z))`); a zone without a
    name in words comes back as its IANA name, which translates to itself."""
    return ZONE_WORDS.get(zone, zone)
