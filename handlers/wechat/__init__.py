"""The WeChat Official Account front end (公众号).

protocol/  signatures, the safe-mode cipher and the XML of messages and replies: pure
           functions checked against the published vectors, no I/O.
webhook.py the aiohttp endpoint WeChat posts to (verification, 5-second window).
inbound.py one message in one transaction: claim, who is talking, the work, the reply.
chat.py    a keeper's conversation: binding, forms as numbered text, the month, the shelf,
           corrections, linking channels. It reaches the core only through `Services`.
client.py  the outbound API (access token, customer-service and template messages, menu).
sender.py  the outbox's sender for people reachable on WeChat.

No business rule lives here: every decision is a use case of the core
(tests/wechat/test_layering.py checks what this package imports).
"""

CHANNEL = "wechat"
