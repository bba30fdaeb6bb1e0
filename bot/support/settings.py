"""The core's settings, read from the environment and an optional ``.env`` file.

Each adapter has its own settings class with its own prefix (``SLACK_``, ``MICROSOFT_APP_``),
read the same way through :func:`load_model` with the same overrides. Validation problems
become :class:`SettingsError` with one clear line per problem, so start-up fails with a
readable message instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.prompts import voice

T = TypeVar("T", bound=BaseSettings)


class SettingsError(Exception):
    """The configuration is wrong; ``str()`` is one line per problem."""


def env_config(prefix: str = "") -> SettingsConfigDict:
    """How every settings class here is read: the environment and ``.env``, unknown names
    ignored (they belong to another class), fields by their environment name."""
    return SettingsConfigDict(
        env_prefix=prefix,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )


class Settings(BaseSettings):
    """PRODUCT.md §3 configuration. Field aliases are the environment variable names."""

    model_config = env_config()

    database_url: str = Field("sqlite+aiosqlite:///dialoogbot.db", alias="DIALOOG_DATABASE_URL")
    secret_file: Path = Field(Path("dialoogbot.secret"), alias="DIALOOG_SECRET_FILE")
    key_dir: Path | None = Field(None, alias="DIALOOG_KEY_DIR")
    language: str = Field("nl", alias="DIALOOG_LANGUAGE")
    # The form of address of Dutch rounds unless `start --aanspreekvorm` says otherwise:
    # "je" (colleagues in a team chat, the default) or "u" (residents, formal).
    address: str = Field("je", alias="DIALOOG_ADDRESS")
    timezone: str = Field("Europe/Amsterdam", alias="DIALOOG_TIMEZONE")
    min_respondents: int = Field(3, alias="DIALOOG_MIN_RESPONDENTS", ge=1)
    max_answer_chars: int = Field(4000, alias="DIALOOG_MAX_ANSWER_CHARS", ge=1)
    prompts_dir: Path | None = Field(None, alias="DIALOOG_PROMPTS_DIR")
    # Where people reach this server from outside (download links, the Teams package).
    public_url: str | None = Field(None, alias="DIALOOG_PUBLIC_URL")

    # Who may start rounds: everyone (empty), or a comma-separated list of platform user ids
    # and/or ``channel-managers`` (see bot/core/starts.py). At most this many starts per hour
    # per channel and per person; refused starts get a private reply.
    hosts: str = Field("", alias="DIALOOG_HOSTS")
    starts_per_hour_channel: int = Field(3, alias="DIALOOG_STARTS_PER_HOUR_CHANNEL", ge=1, le=1000)
    starts_per_hour_person: int = Field(5, alias="DIALOOG_STARTS_PER_HOUR_PERSON", ge=1, le=1000)

    # The HTTP server against slow clients (bot/runtime/server.py): seconds a connection may
    # take to send a request's headers (or sit idle between requests), seconds to send a body,
    # and how many connections are open at once.
    header_timeout: float = Field(10.0, alias="DIALOOG_HEADER_TIMEOUT", gt=0, le=3600)
    body_timeout: float = Field(20.0, alias="DIALOOG_BODY_TIMEOUT", gt=0, le=3600)
    max_connections: int = Field(512, alias="DIALOOG_MAX_CONNECTIONS", ge=1, le=100_000)

    llm_url: str | None = Field(None, alias="DIALOOG_LLM_URL")
    llm_model: str | None = Field(None, alias="DIALOOG_LLM_MODEL")
    llm_api_key: str | None = Field(None, alias="DIALOOG_LLM_API_KEY")
    _overrides: dict[str, object] = PrivateAttr(default_factory=dict)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in ("nl", "en"):
            raise ValueError("must be nl or en")
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if value not in ("je", "u"):
            raise ValueError("must be je or u")
        return value

    @property
    def voice(self) -> str:
        """The voice of texts outside a round: the default language and form of address."""
        return voice(self.language, self.address)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, value: str) -> str:
        entries = [e.strip() for e in value.split(",") if e.strip()]
        for entry in entries:
            if any(c.isspace() for c in entry):
                raise ValueError(f"{entry!r}: one user id or channel-managers per comma")
        return ",".join(entries)

    @property
    def host_list(self) -> frozenset[str]:
        """``DIALOOG_HOSTS`` as a set; empty: anyone in the channel may start."""
        return frozenset(e for e in self.hosts.split(",") if e)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// (an async driver)"
            )
        return value

    @field_validator("llm_url", "public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return http_url(value)

    @model_validator(mode="after")
    def _llm_model(self) -> Settings:
        if self.llm_url and not self.llm_model:
            raise ValueError("DIALOOG_LLM_MODEL is needed with DIALOOG_LLM_URL")
        return self

    def load(self, cls: type[T]) -> T:
        """An adapter's settings class read like these settings: from the environment and
        ``.env``, with the same values given in code (tests, ``chat``) on top."""
        return load_model(cls, self._overrides)

    @property
    def round_key_dir(self) -> Path:
        """Where open rounds' keys live (``storage/keys.py``): ``DIALOOG_KEY_DIR``, else
        beside the secret file (``dialoogbot.keys`` for ``dialoogbot.secret``)."""
        return self.key_dir or self.secret_file.with_suffix(".keys")

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


def http_url(value: str | None) -> str | None:
    """``value`` as an http(s) base URL ending in ``/``; a ``ValueError`` if it is none."""
    if value is None:
        return value
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value if value.endswith("/") else value + "/"


def load_model(cls: type[T], overrides: Mapping[str, object]) -> T:
    """``cls`` read from the environment and ``.env``, with ``overrides`` on top; raise
    :class:`SettingsError` with one line per problem, named by its environment variable."""
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            name = cls.model_fields[field].alias if field in cls.model_fields else field
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{name or 'settings'}: {message}" if name else message)
        raise SettingsError("\n".join(lines)) from None


def load_settings(**overrides: object) -> Settings:
    """Read the core's settings; raise :class:`SettingsError` with one line per problem."""
    settings = load_model(Settings, overrides)
    settings._overrides = dict(overrides)
    return settings
