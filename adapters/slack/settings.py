"""The Slack adapter's settings: ``SLACK_*`` in the environment or ``.env``."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings

from bot.support.settings import env_config, http_url


class SlackSettings(BaseSettings):
    """Slack is configured with a bot token (one workspace) or an OAuth client (many);
    ``SLACK_APP_TOKEN`` adds Socket Mode."""

    model_config = env_config("SLACK_")

    bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    app_token: str | None = Field(None, alias="SLACK_APP_TOKEN")
    client_id: str | None = Field(None, alias="SLACK_CLIENT_ID")
    client_secret: str | None = Field(None, alias="SLACK_CLIENT_SECRET")
    api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    # Posts per second to one workspace to start at; Slack publishes no figure, so the pacer
    # finds each workspace's limit from there (adapters/slack/pacing), up to the ceiling.
    workspace_rate: float = Field(10.0, gt=0, le=1000, alias="SLACK_WORKSPACE_RATE")
    workspace_rate_max: float = Field(200.0, gt=0, le=1000, alias="SLACK_WORKSPACE_RATE_MAX")

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        checked = http_url(value)
        assert checked is not None
        return checked

    @model_validator(mode="after")
    def _token_kinds(self) -> SlackSettings:
        problems = []
        if self.bot_token and not self.bot_token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN must be a bot token (xoxb-...)")
        if self.app_token and not self.app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN must be an app-level token (xapp-...)")
        if self.app_token and not self.bot_token and not self.client_id:
            problems.append("SLACK_APP_TOKEN needs SLACK_BOT_TOKEN (xoxb-...) beside it")
        if self.bot_token and not self.signing_secret and not self.app_token:
            problems.append("SLACK_SIGNING_SECRET is needed with SLACK_BOT_TOKEN over HTTP")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def configured(self) -> bool:
        return bool(self.bot_token or self.client_id)
