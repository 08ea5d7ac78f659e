"""Implementations of the CLI subcommands (argument parsing lives in bot/cli.py)."""
