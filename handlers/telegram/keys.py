"""The Telegram front end's one request-key function.

A request key names what the user did, so a redelivered update, a crash retry or a double
tap finds what the first attempt wrote. A message is named by its chat and message id; a
button press by who pressed and the nonce the button carries (drawn when the button was
made), plus whatever the press chose. Every write command this front end sends is keyed
here and nowhere else.
"""

from __future__ import annotations

from aiogram.types import Message

PREFIX = "tg"


def request_key(*parts: object) -> str:
    return ":".join([PREFIX, *(str(part) for part in parts)])


def message_key(message: Message) -> str:
    return request_key(message.chat.id, message.message_id)


def press_key(user_id: int, nonce: str, *choice: object) -> str:
    return request_key(user_id, nonce, *choice)
