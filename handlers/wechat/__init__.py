"""The WeChat Official Account front end (公众号).

protocol/  signatures, the safe-mode cipher and the XML of messages and replies: pure
           functions checked against the published vectors, no I/O.
webhook.py the aiohttp endpoint WeChat posts to (verification, the 5-second window).
inbound.py one message in one transaction: claim, who is talking, the work, the reply.
chat.py    a keeper's conversation: binding, forms as numbered text, the month, the shelf,
           corrections, linking channels. It reaches the core only through `Services`.
keys.py    the front end's one request-key function.
media.py   waybill photos: downloaded by MediaId, barcodes read (before the transaction).
client.py  the outbound API (access token, customer-service and template messages, menu,
           QR codes, media).
sender.py  the outbox's sender for people reachable on WeChat.
runner.py  serving it from `python -m bot run`, beside Telegram or alone.

No business rule lives here: every decision is a use case of the core
(tests/wechat/test_layering.py and an import-linter contract check what it imports).
"""

CHANNEL = "wechat"
