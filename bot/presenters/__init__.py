"""Presenters: the core's results as text in the reader's language, shared by every
channel. They know no channel: no command names, no buttons, no wire format."""
