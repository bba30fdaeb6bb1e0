"""Slack: ``/dialoog`` in a channel, prompts in private chats, summaries back in the channel.

The only package that imports slack_bolt and slack_sdk. Its parts are named in :data:`SPEC`
(the ``dialoogbot.adapters`` entry point): :mod:`adapters.slack.mount` mounts it,
:mod:`adapters.slack.settings` holds ``SLACK_*``, ``migrations/`` and
:mod:`adapters.slack.tables` its tables.
"""

from bot.runtime.adapters import AdapterSpec

SPEC = AdapterSpec(
    name="slack",
    mount="adapters.slack.mount:setup",
    settings="adapters.slack.settings:SlackSettings",
    migrations="adapters.slack.migrations",
    tables="adapters.slack.tables:metadata",
    fake="bot.testing.fake_slack:FakeSlack",
)
