"""The public test kit: drive the real core and adapters with nothing faked but the outermost
boundary.

- :class:`ManualClock` (``bot.testing.clock``): time that moves only when a test says so.
- :class:`LocalDriver` and :class:`LocalPlatform` (from ``adapters.local``, where the demo and
  the console use them too): send messages as people, read what the bot sent.
- ``bot.testing.fake_slack.FakeSlack``: the Slack Web API as a local aiohttp server.
- ``bot.testing.fake_connector.FakeConnector``: the Bot Framework connector as a local aiohttp
  server with Teams' rate limits.

The fakes are imported from their modules, so a test of one platform does not load the other.
Tests and benchmarks use this kit; the product never imports it.
"""

from __future__ import annotations

from adapters.local.platform import LocalDriver, LocalPlatform
from bot.testing.clock import ManualClock

__all__ = ["LocalDriver", "LocalPlatform", "ManualClock"]
