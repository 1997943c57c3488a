"""Secrets and deployment settings, only from the environment or a `.env` file."""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything that is not in the school file: where the data lives, keys, platform tokens."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///prevent.db", validation_alias="DATABASE_URL")
    data_key: str = Field("", validation_alias="PREVENT_DATA_KEY", repr=False)
    data_key_old: str = Field("", validation_alias="PREVENT_DATA_KEY_OLD", repr=False)
    config_path: str = Field("prevent.toml", validation_alias="PREVENT_CONFIG")
    port: int = Field(3978, validation_alias="PORT")
    host: str = Field("0.0.0.0", validation_alias="PREVENT_HOST")  # noqa: S104 — a server listens everywhere by default
    slack_bot_token: str = Field("", validation_alias="SLACK_BOT_TOKEN", repr=False)
    slack_signing_secret: str = Field("", validation_alias="SLACK_SIGNING_SECRET", repr=False)
    slack_app_token: str = Field("", validation_alias="SLACK_APP_TOKEN", repr=False)
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    microsoft_app_id: str = Field("", validation_alias=AliasChoices("MicrosoftAppId", "MICROSOFT_APP_ID"))
    microsoft_app_password: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppPassword", "MICROSOFT_APP_PASSWORD"), repr=False)
    microsoft_app_type: str = Field(
        "SingleTenant", validation_alias=AliasChoices("MicrosoftAppType", "MICROSOFT_APP_TYPE"))
    microsoft_app_tenant_id: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppTenantId", "MICROSOFT_APP_TENANT_ID"))
    log_level: str = Field("INFO", validation_alias="PREVENT_LOG_LEVEL")
    # Hidden, for tests and demonstrations: the process's clock starts at this moment (ISO 8601; without an
    # offset, in the school's time zone) and runs on from it. Unset in real use.
    now: datetime | None = Field(None, validation_alias="PREVENT_NOW")
