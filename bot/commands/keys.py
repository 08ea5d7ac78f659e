"""The CLI's one request-key function: each command run is its own request.

A CLI run cannot be redelivered the way a chat update can, so a fresh random key per run
is right: running the command twice means doing it twice (two invites), as intended.
"""

from __future__ import annotations

import secrets


def cli_key(what: str) -> str:
    return f"cli:{what}:{secrets.token_hex(8)}"
