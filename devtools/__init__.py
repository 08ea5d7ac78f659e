"""Development tools: the Telegram Bot API double, the live-bot harness and demo mode.

Used by `./run demo`, the end-to-end tests and the benchmarks; production never imports it.
"""
