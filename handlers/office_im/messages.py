"""Rendered notices as group-robot messages.

Markdown where it reads better: a notice of several lines (a digest, a list of idle
stations) becomes Markdown with its first line in bold; a one-line notice stays plain
text. Several notices due for one robot at once are *folded* into one Markdown message
(a count, then each notice), as many as fit the robot's size limit; the rest wait for the
next message. A robot cannot take actions, so a notice's actions (e.g. "Decide: A-S1")
are listed under a line saying to act on them in the bot.

The texts themselves are the core's (`bot.services.notice_texts`), in the robot's
language; only the fold's header and the actions line are written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.i18n import Translator
from bot.services.notice_texts import RenderedNotice

# WeCom: markdown content ≤ 4096 bytes, text content ≤ 2048 bytes. DingTalk allows far
# more (about 20,000), but a message longer than a phone screen or two is not read: one
# limit for both keeps a folded digest the same size wherever it lands.
MARKDOWN_BYTES = 4096
TEXT_BYTES = 2048
TITLE_CHARS = 60  # DingTalk's markdown title: shown in the chat list and notifications


@dataclass(frozen=True)
class RobotMessage:
    """One message to send: plain `text`, or `markdown` with a `title` (DingTalk)."""

    markdown: bool
    body: str
    title: str
    count: int  # how many notices it carries

    def wecom(self) -> dict[str, Any]:
        if self.markdown:
            return {"msgtype": "markdown", "markdown": {"content": self.body}}
        return {"msgtype": "text", "text": {"content": self.body}}

    def dingtalk(self) -> dict[str, Any]:
        if self.markdown:
            # DingTalk's Markdown needs a blank line to break a line.
            text = self.body.replace("\n", "\n\n")
            return {"msgtype": "markdown", "markdown": {"title": self.title, "text": text}}
        return {"msgtype": "text", "text": {"content": self.body}}


def _lines(notice: RenderedNotice, t: Translator) -> list[str]:
    lines = [line for line in notice.text.split("\n") if line.strip()]
    if notice.actions:
        lines.append(
            t(
                "To act on this, open the Cunzhan bot: {actions}",
                actions=t("; ").join(a.label for a in notice.actions),
            )
        )
    return lines


def _block(notice: RenderedNotice, t: Translator) -> str:
    head, *rest = _lines(notice, t) or [""]
    return "\n".join([f"**{head}**", *rest])


def _size(text: str) -> int:
    return len(text.encode())


def _cut(text: str, limit: int) -> str:
    """At most `limit` bytes, on a character boundary, ending in "…" if cut."""
    if _size(text) <= limit:
        return text
    data = text.encode()[: limit - len("…".encode())]
    return data.decode(errors="ignore") + "…"


def single(notice: RenderedNotice, t: Translator) -> RobotMessage:
    lines = _lines(notice, t)
    title = _cut(lines[0] if lines else "", TITLE_CHARS * 3)
    if len(lines) <= 1:
        return RobotMessage(False, _cut(lines[0] if lines else "", TEXT_BYTES), title, 1)
    return RobotMessage(True, _cut(_block(notice, t), MARKDOWN_BYTES), title, 1)


def fold(notices: Sequence[RenderedNotice], t: Translator) -> RobotMessage:
    """As many of `notices`, in order, as fit one message (at least the first)."""
    if len(notices) == 1:
        return single(notices[0], t)
    blocks: list[str] = []
    for notice in notices:
        block = _block(notice, t)
        header = "### " + t("{n} notices", n=len(blocks) + 1)
        candidate = "\n\n".join([header, *blocks, block])
        if blocks and _size(candidate) > MARKDOWN_BYTES:
            break
        blocks.append(block)
    if len(blocks) == 1:
        return single(notices[0], t)
    header = t("{n} notices", n=len(blocks))
    body = "\n\n".join(["### " + header, *blocks])
    return RobotMessage(True, _cut(body, MARKDOWN_BYTES), header, len(blocks))
