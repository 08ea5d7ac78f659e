"""Translatable text that the core produces without knowing the reader's language.

The core marks English source strings with `N_` (so `pybabel extract` finds them) and
hands `Text` values to the front end, which translates them for the reader. That keeps
gettext state out of services and jobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Mark a string for extraction; translation happens at the edge."""
    return message


@dataclass(frozen=True)
class Text:
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
