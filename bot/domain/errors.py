"""Errors the core raises. Each carries a translatable message for the user."""

from __future__ import annotations

from typing import Any

from bot.domain.text import Text


class CunzhanError(Exception):
    """A failure the user can understand and act on."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.text = Text(msgid, params)


class NotAllowed(CunzhanError):
    """The actor's role or scope does not cover the action."""


class NotFound(CunzhanError):
    pass


class InvalidInput(CunzhanError):
    pass


class InviteRefused(CunzhanError):
    """An invite token that cannot be redeemed (expired, used, malformed, foreign)."""
