"""Settings from the environment or `.env` (every key is listed in `.env.example`)."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CUNZHAN_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = Field(
        default=None, description="Telegram bot token from @BotFather (not needed for demo)"
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///./data/cunzhan.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///… or postgresql+asyncpg://…",
    )
    timezone: str = Field(default="Asia/Shanghai", description="Default time zone for new counties")
    default_language: Literal["zh", "en"] = "zh"
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL; when set the bot runs a webhook server"
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="Secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token"
    )
    webhook_listen_host: str = "127.0.0.1"
    webhook_listen_port: int = 8080
    telegram_api_base: str | None = Field(
        default=None, description="Base URL of a local Bot API server (optional)"
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL for dialog state when several bot processes run"
    )
    invite_ttl_hours: int = Field(default=72, ge=1, le=24 * 30)
    dialog_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    phone_hash_key: SecretStr | None = Field(
        default=None,
        description="Secret for the keyed hash of recipients' phone numbers; when unset a "
        "random key is created once in ./data/phone_hash.key",
    )
    log_level: str = "INFO"
    job_lease_seconds: int = Field(
        default=30 * 60,
        ge=1,
        description="A scheduled job's claim (scoring) not finished after this long is taken "
        "over by the next run: its process died",
    )
    # office IM (#12): where the group robots' webhook APIs are (a local double in tests)
    wecom_api_base: str = Field(
        default="https://qyapi.weixin.qq.com", description="WeCom group robots' API base URL"
    )
    dingtalk_api_base: str = Field(
        default="https://oapi.dingtalk.com", description="DingTalk custom robots' API base URL"
    )
    # subsidy claims (issue 10): where evidence photos and files are kept (never deleted)
    evidence_dir: str = Field(
        default="./data/evidence",
        description="Directory of the evidence store for subsidy claims (photos, files)",
    )

    # --- WeChat Official Account (issue 12) ------------------------------------------
    wechat_appid: str | None = Field(default=None, description="Official Account AppID")
    wechat_secret: SecretStr | None = Field(
        default=None, description="AppSecret, for the access token (outbound messages)"
    )
    wechat_token: SecretStr | None = Field(
        default=None, description="The Token set in the console's server configuration"
    )
    wechat_aes_key: SecretStr | None = Field(
        default=None, description="EncodingAESKey (43 characters): safe mode when set"
    )
    wechat_listen_host: str = "127.0.0.1"
    wechat_listen_port: int = 8081
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_reply_within_seconds: float = Field(default=4.0, gt=0, lt=5)
    wechat_notice_template_id: str | None = Field(
        default=None,
        description="Template message (one field, content) for notices outside the 48-hour "
        "window; without it such notices are recorded undeliverable",
    )

    @property
    def wechat_enabled(self) -> bool:
        return bool(self.wechat_appid and self.wechat_token)

    @field_validator(
        "bot_token",
        "webhook_url",
        "webhook_secret",
        "telegram_api_base",
        "redis_url",
        "phone_hash_key",
        "wechat_appid",
        "wechat_secret",
        "wechat_token",
        "wechat_aes_key",
        "wechat_notice_template_id",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # .env.example leaves optional keys empty: `KEY=` means "not set", not "".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value
