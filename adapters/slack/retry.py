"""slack_sdk retry handlers that honour 429 ``Retry-After`` and tell the :class:`Pacer`.

slack_sdk's own :class:`AsyncRateLimitErrorRetryHandler` sleeps ``Retry-After`` plus up to a
second of jitter in every waiting call; ours pauses the whole workspace once and then lets
each retry take a paced slot, so a 429 storm ends in an even stream instead of a stampede.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from adapters.slack.pacing import Pacer
from bot.core.port import URGENT

POSTING_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update")
MAX_RETRIES = 10


def retry_after(headers: Mapping[str, Any] | None, default: float = 1.0) -> float:
    """Seconds from a ``Retry-After`` header (any case, a value or a list), or ``default``."""
    for name, values in (headers or {}).items():
        if name.lower() == "retry-after" and values:
            value = values[0] if isinstance(values, list) else values
            try:
                return max(0.0, float(value))
            except ValueError:
                return default
    return default


class PacedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """Retries HTTP 429: posts wait for the workspace pause and a paced slot, reads sleep."""

    def __init__(self, pacer: Pacer, stats: Counter[str], max_retry_count: int = MAX_RETRIES):
        super().__init__(max_retry_count=max_retry_count)
        self.pacer = pacer
        self.stats = stats

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("retry without a response")
        self.stats["rate_limited"] += 1
        delay = retry_after(response.headers)
        state.next_attempt_requested = True
        method = request.url.rstrip("/").rsplit("/", 1)[-1]
        if method in POSTING_METHODS:
            self.pacer.pause(delay)
            channel = str((request.body_params or {}).get("channel", ""))
            await self.pacer.acquire(channel, URGENT.get())
        else:
            await asyncio.sleep(math.ceil(delay))
        state.increment_current_attempt()


def retry_handlers(pacer: Pacer, stats: Counter[str]) -> list[AsyncRetryHandler]:
    """Only 429s are retried inside the client: a post that may have reached Slack (a
    dropped connection, a 5xx) is looked up by its key before it returns to the outbox."""
    return [PacedRateLimitRetryHandler(pacer, stats)]
