"""Where the bot may send: the ``serviceUrl`` of an activity is called only when it is an
address the Bot Framework uses, so that nobody can point the bot at an address of their choice
(server-side request forgery).

With authentication on, an activity's ``serviceUrl`` must equal the ``serviceurl`` claim of its
token (signed by the Bot Framework) and its host must be one of the known Bot Framework hosts:
``MICROSOFT_SERVICE_URL_HOSTS`` (default :data:`PUBLIC_CLOUD`; sovereign clouds list theirs).
With ``DIALOOG_TEAMS_PLAYGROUND=1`` (no authentication) only loopback addresses are allowed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

# The public cloud's Teams connector and the Bot Framework's own channels (Web Chat, Direct
# Line); GCC tenants use the public cloud's registration with their own connector host.
PUBLIC_CLOUD = (
    "smba.trafficmanager.net",
    "smba.infra.gcc.teams.microsoft.com",
    "*.botframework.com",
)
# For the README: the hosts of the US government clouds (GCC High and DoD).
GOVERNMENT_CLOUDS = ("smba.infra.gov.teams.microsoft.us", "smba.infra.dod.teams.microsoft.us")


def parse_hosts(raw: str) -> tuple[str, ...]:
    """``a.example, *.b.example`` as lower-case host patterns; ValueError on a bad one."""
    hosts = tuple(h.strip().lower().rstrip(".") for h in raw.split(",") if h.strip())
    for host in hosts:
        bare = host.removeprefix("*.")
        if not bare or "*" in bare or "/" in bare or ":" in bare or "." not in bare:
            raise ValueError(f"{host!r} is not a host name (like smba.trafficmanager.net)")
    if not hosts:
        raise ValueError("must name at least one host")
    return hosts


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def same_url(a: str, b: str) -> bool:
    """Two service URLs are the same when they differ at most in a trailing slash and the
    case of scheme and host."""
    pa, pb = urlsplit(a.strip()), urlsplit(b.strip())
    return (pa.scheme.lower(), pa.netloc.lower(), pa.path.rstrip("/")) == (
        pb.scheme.lower(),
        pb.netloc.lower(),
        pb.path.rstrip("/"),
    )


@dataclass(frozen=True)
class ServiceUrls:
    """Which service URLs the bot calls: Bot Framework hosts over https, or (playground
    only) loopback addresses."""

    hosts: tuple[str, ...] = PUBLIC_CLOUD
    playground: bool = False

    def allowed(self, url: object) -> bool:
        if not isinstance(url, str):
            return False
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            return False
        if parts.username or parts.password:
            return False
        if self.playground:
            return parts.scheme in ("http", "https") and is_loopback(host)
        if parts.scheme != "https" or not host:
            return False
        return any(
            host.endswith(pattern[1:]) if pattern.startswith("*.") else host == pattern
            for pattern in self.hosts
        )
