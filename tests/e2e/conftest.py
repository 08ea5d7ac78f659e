"""End-to-end fixtures: the Bot API double (`fake_api`), a seeded app (`e2e_app`) and the
real bot polling the double (`live`). They live in tests/support/fake_telegram.py."""

from tests.support.fake_telegram import e2e_app, fake_api, live

__all__ = ["e2e_app", "fake_api", "live"]
