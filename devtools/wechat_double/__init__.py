"""A WeChat Official Account double on 127.0.0.1: the outbound API the bot calls, and a
user's phone that posts signed (and encrypted) messages to the bot's webhook."""

from devtools.wechat_double.api import FakeWeChatApi
from devtools.wechat_double.phone import WeChatPhone

__all__ = ["FakeWeChatApi", "WeChatPhone"]
