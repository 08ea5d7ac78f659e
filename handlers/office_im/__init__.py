"""Office IM: a county's staff notices delivered to WeCom group robots and DingTalk custom
robots (#12). The outbox worker (`jobs/robot_worker.py`) drives the senders here; the core
only writes notices addressed to `robot:<id>` on channel `wecom` or `dingtalk`.

    signing.py     DingTalk's HMAC-SHA256 signature of timestamp + "\\n" + secret
    messages.py    rendered notices as robot messages: text or Markdown, folded into one
    clients.py     the two webhook APIs on aiohttp, their error codes as the outbox's
                   neutral exceptions
    sender.py      the worker's Sender: robot id → its configuration → one message
    workers.py     one worker per robot kind, started beside the Telegram bot
"""
