"""A Telegram Bot API double on 127.0.0.1: real HTTP, aiogram's wire format, fault injection."""
