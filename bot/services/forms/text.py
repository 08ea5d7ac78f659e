"""A form's steps as plain text, for channels without buttons (WeChat, SMS, a terminal).

Choices become numbered lines; a reply that is just a choice's number picks it, any other
reply is the answer as typed. The WeChat front end renders with this; so does the test
that proves a second channel needs no change in the core.
"""

from __future__ import annotations

from bot.domain.numbers import numbered_choice
from bot.domain.text import N_, Text
from bot.i18n import Translator
from bot.services.forms.engine import Confirmation, Question
from bot.services.notice_plaintext import REPLY_PROMPT

CONFIRM_REPLY = N_("Reply 1 to save, 0 to cancel.")


def _label(label: Text | str, t: Translator) -> str:
    return t(label) if isinstance(label, Text) else label


def render_question(question: Question, t: Translator) -> str:
    lines = [t(line) for line in question.lines]
    if question.choices:
        lines.append(t(REPLY_PROMPT))
        lines += [f"{n}. {_label(c.label, t)}" for n, c in enumerate(question.choices, 1)]
    return "\n".join(lines)


def render_confirmation(confirmation: Confirmation, t: Translator) -> str:
    lines = [t(line) for line in confirmation.lines]
    lines += ["⚠️ " + t(warning) for warning in confirmation.warnings]
    lines.append(t(CONFIRM_REPLY))
    return "\n".join(lines)


def read_reply(question: Question, reply: str) -> str:
    """The answer a text reply gives to `question`: a choice's value by its number, or the
    reply itself. A phone tail or an amount is never taken for a choice unless the question
    offers choices and the number is one of theirs."""
    index = numbered_choice(reply, len(question.choices))
    return reply if index is None else question.choices[index].value


def confirmed(reply: str) -> bool | None:
    """True for 1 (save), False for 0 (cancel), None for anything else."""
    number = reply.strip().translate(str.maketrans("０１", "01"))
    return {"1": True, "0": False}.get(number)
