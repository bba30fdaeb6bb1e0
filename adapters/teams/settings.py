"""The Teams adapter's settings: ``MICROSOFT_APP_*`` in the environment or ``.env`` (the names
the Bot Framework uses)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from adapters.teams.service_urls import PUBLIC_CLOUD, parse_hosts
from bot.support.settings import env_config

APP_TYPES = {"multitenant": "MultiTenant", "singletenant": "SingleTenant",
             "userassignedmsi": "UserAssignedMSI"}  # fmt: skip


class TeamsSettings(BaseSettings):
    """With ``MICROSOFT_APP_ID`` the bot authenticates every activity; without it
    ``/api/messages`` refuses everything, unless ``DIALOOG_TEAMS_PLAYGROUND=1`` opens it for
    the local Agents Playground (loopback only)."""

    model_config = env_config("MICROSOFT_APP_")

    app_id: str | None = Field(None, alias="MICROSOFT_APP_ID")
    app_password: str | None = Field(None, alias="MICROSOFT_APP_PASSWORD")
    app_tenant_id: str | None = Field(None, alias="MICROSOFT_APP_TENANT_ID")
    app_type: str | None = Field(None, alias="MICROSOFT_APP_TYPE")
    # Where botbuilder reads the Bot Framework's signing keys (default: the public cloud's);
    # tests point it at a local fake (bot/testing/openid.py).
    openid_metadata_url: str | None = Field(None, alias="DIALOOG_TEAMS_OPENID_METADATA_URL")
    playground: bool = Field(False, alias="DIALOOG_TEAMS_PLAYGROUND")
    service_url_hosts: str = Field(",".join(PUBLIC_CLOUD), alias="MICROSOFT_SERVICE_URL_HOSTS")

    @field_validator("service_url_hosts")
    @classmethod
    def _hosts(cls, value: str) -> str:
        return ",".join(parse_hosts(value))

    def problems(self) -> list[str]:
        """What is missing for the bot to authenticate (checked when Teams is mounted; the
        app package needs only the id)."""
        if not self.app_id:
            return []
        problems = []
        kind = (self.app_type or "MultiTenant").lower()
        if kind not in APP_TYPES:
            problems.append(f"MICROSOFT_APP_TYPE: must be one of {', '.join(APP_TYPES.values())}")
        if kind != "userassignedmsi" and not self.app_password:
            problems.append("MICROSOFT_APP_PASSWORD: needed with MICROSOFT_APP_ID")
        if kind in ("singletenant", "userassignedmsi") and not self.app_tenant_id:
            problems.append(f"MICROSOFT_APP_TENANT_ID: needed for a {APP_TYPES[kind]} bot")
        return problems
