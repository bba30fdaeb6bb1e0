"""Socket Mode that degrades instead of dying: the connection is made in the background.

slack_sdk's client retries a failed connection every ten seconds with a traceback each time,
and bolt's ``connect_async`` waits until it succeeds: with Slack unreachable the server never
started listening. :class:`SocketLink` makes each attempt itself, logs one line per attempt,
backs off (exponentially, with jitter, up to a minute) and reconnects the same way when an
established connection drops. :attr:`SocketLink.state` is what ``/healthz`` reports.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp

log = logging.getLogger(__name__)
# slack_sdk's own log lines (a traceback per failed attempt) go here and are not shown; each
# attempt is reported once, by SocketLink.
_sdk_log = logging.getLogger("dialoogbot.slack_socket_mode_sdk")
_sdk_log.setLevel(logging.CRITICAL)
_sdk_log.propagate = False

FIRST_DELAY = 1.0
MAX_DELAY = 60.0
ATTEMPT_TIMEOUT = 10.0
CHECK_EVERY = 1.0


class SocketLink:
    """Keeps one Socket Mode connection to Slack, in the background."""

    def __init__(
        self,
        bolt: AsyncApp,
        app_token: str,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
    ) -> None:
        self.handler = AsyncSocketModeHandler(bolt, app_token, logger=_sdk_log)
        client = self.handler.client
        # Reconnecting is ours: one line per attempt, with back-off.
        client.auto_reconnect_enabled = False
        client.default_auto_reconnect_enabled = False
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.state = "connecting"
        self.attempts = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self.state == "connected"

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="slack socket mode")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            await self.handler.close_async()
        except Exception as error:  # closing a connection that never opened
            log.debug("closing Socket Mode: %s", error)

    async def _run(self) -> None:
        delay = self.first_delay
        while True:
            if await self._attempt():
                delay = self.first_delay
                await self._watch()
                self.state = "unreachable: connection lost"
                log.warning("Slack Socket Mode: connection lost; reconnecting")
                continue
            wait = delay * (0.5 + random.random() / 2)
            log.warning(
                "Slack Socket Mode: attempt %d failed (%s); next in %.0f s",
                self.attempts,
                self.state.removeprefix("unreachable: "),
                wait,
            )
            await asyncio.sleep(wait)
            delay = min(self.max_delay, delay * 2)

    async def _attempt(self) -> bool:
        """One connection attempt: a fresh URL from ``apps.connections.open``, then the
        WebSocket. True when connected."""
        self.attempts += 1
        client: Any = self.handler.client
        try:
            url = await asyncio.wait_for(client.issue_new_wss_url(), ATTEMPT_TIMEOUT)
            client.wss_uri = url
            await asyncio.wait_for(client.connect(), ATTEMPT_TIMEOUT)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            client.wss_uri = None
            self.state = f"unreachable: {_reason(error)}"
            return False
        if not await client.is_connected():
            self.state = "unreachable: connection closed at once"
            return False
        self.state = "connected"
        log.info("Slack: connected over Socket Mode (attempt %d)", self.attempts)
        return True

    async def _watch(self) -> None:
        """Return when the connection is no longer alive."""
        client: Any = self.handler.client
        while True:  # slack_sdk offers no event for a dropped connection: look every second
            await asyncio.sleep(CHECK_EVERY)
            if not await client.is_connected():
                break
        client.wss_uri = None


def _reason(error: BaseException) -> str:
    """A short reason for the log and ``/healthz``; never a token."""
    response = getattr(error, "response", None)
    if response is not None and hasattr(response, "get"):
        return f"Slack answered {response.get('error', 'an error')}"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return type(error).__name__
