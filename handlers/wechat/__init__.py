"""The WeChat Official Account front end (公众号).

protocol/  signatures, the safe-mode cipher and the XML of messages and replies: pure
           functions checked against the published vectors, no I/O.
webhook.py the aiohttp endpoint WeChat posts to (verification, the 5-second window).
inbound.py one message in one transaction: claim, who is talking, the work, the reply.
chat.py    a keeper's conversation: binding, forms as numbered text, the month, the shelf,
           corrections, check-ins and station codes, linking channels. It reaches the
           core only through `Services`.
claims.py  subsidy claims: the claim form's draft, evidence photos, 提交, 我的申请, 答复.
keys.py    the front end's one request-key function.
media.py   photos downloaded by MediaId before the transaction: waybills' barcodes read,
           claims' evidence written to the evidence store.
client.py  the outbound API (access token, customer-service and template messages, menu,
           QR codes, media).
sender.py  the outbox's sender for people reachable on WeChat.
runner.py  serving it from `python -m bot run`, beside Telegram or alone.

No business rule lives here: every decision is a use case of the core
(tests/wechat/test_layering.py and an import-linter contract check what it imports).
"""

CHANNEL = "wechat"
