"""One settings object, read from the environment and an optional ``.env`` file.

Validation problems become :class:`SettingsError` with one clear line per problem, so start-up
fails with a readable message instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """The configuration is wrong; ``str()`` is one line per problem."""


class Settings(BaseSettings):
    """PRODUCT.md §3 configuration. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field("sqlite+aiosqlite:///dialoogbot.db", alias="DIALOOG_DATABASE_URL")
    secret_file: Path = Field(Path("dialoogbot.secret"), alias="DIALOOG_SECRET_FILE")
    language: str = Field("nl", alias="DIALOOG_LANGUAGE")
    timezone: str = Field("Europe/Amsterdam", alias="DIALOOG_TIMEZONE")
    min_respondents: int = Field(3, alias="DIALOOG_MIN_RESPONDENTS", ge=1)
    max_answer_chars: int = Field(4000, alias="DIALOOG_MAX_ANSWER_CHARS", ge=1)
    prompts_dir: Path | None = Field(None, alias="DIALOOG_PROMPTS_DIR")

    slack_bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(None, alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(None, alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    # Posts per second to one workspace; Slack publishes no figure (see adapters/slack/pacing).
    slack_workspace_rate: float = Field(10.0, gt=0, le=1000, alias="SLACK_WORKSPACE_RATE")

    microsoft_app_id: str | None = Field(None, alias="MICROSOFT_APP_ID")
    microsoft_app_password: str | None = Field(None, alias="MICROSOFT_APP_PASSWORD")
    microsoft_app_tenant_id: str | None = Field(None, alias="MICROSOFT_APP_TENANT_ID")
    microsoft_app_type: str | None = Field(None, alias="MICROSOFT_APP_TYPE")

    llm_url: str | None = Field(None, alias="DIALOOG_LLM_URL")
    llm_model: str | None = Field(None, alias="DIALOOG_LLM_MODEL")
    llm_api_key: str | None = Field(None, alias="DIALOOG_LLM_API_KEY")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in ("nl", "en"):
            raise ValueError("must be nl or en")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// (an async driver)"
            )
        return value

    @field_validator("slack_api_url", "llm_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _token_kinds(self) -> Settings:
        problems = []
        if self.slack_bot_token and not self.slack_bot_token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN must be a bot token (xoxb-...)")
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN must be an app-level token (xapp-...)")
        if self.slack_bot_token and not self.slack_signing_secret and not self.slack_app_token:
            problems.append("SLACK_SIGNING_SECRET is needed with SLACK_BOT_TOKEN over HTTP")
        if self.llm_url and not self.llm_model:
            problems.append("DIALOOG_LLM_MODEL is needed with DIALOOG_LLM_URL")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_default_database(self, url: str) -> Settings:
        """These settings with ``url`` as the database, unless DIALOOG_DATABASE_URL was given
        (environment, ``.env`` or an override). ``chat`` uses it to keep its own SQLite file,
        so that it runs beside ``serve`` in the same folder (one process per SQLite file)."""
        if "database_url" in self.model_fields_set:
            return self
        return self.model_copy(update={"database_url": url})


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise :class:`SettingsError` with one line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            name = Settings.model_fields[field].alias if field in Settings.model_fields else field
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{name or 'settings'}: {message}" if name else message)
        raise SettingsError("\n".join(lines)) from None
