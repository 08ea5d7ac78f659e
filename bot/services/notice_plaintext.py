"""A rendered notice for a channel that has only text (SMS, a WeCom text message…):
actions become numbered replies, and the reader's reply picks one back."""

from __future__ import annotations

from bot.domain.numbers import numbered_choice
from bot.domain.text import N_
from bot.i18n import Translator
from bot.services.notice_texts import RenderedAction, RenderedNotice

REPLY_PROMPT = N_("Reply with a number:")


def as_text(notice: RenderedNotice, t: Translator) -> str:
    if not notice.actions:
        return notice.text
    lines = [notice.text, "", t(REPLY_PROMPT)]
    lines += [f"{n}. {action.label}" for n, action in enumerate(notice.actions, 1)]
    return "\n".join(lines)


def chosen(notice: RenderedNotice, reply: str) -> RenderedAction | None:
    """The action a reply names by its number (full-width digits too), or None."""
    index = numbered_choice(reply, len(notice.actions))
    return None if index is None else notice.actions[index]
