"""Microsoft Teams, through botbuilder's ``CloudAdapter``. The only package importing botbuilder.

Its parts are named in :data:`SPEC` (the ``dialoogbot.adapters`` entry point):
:mod:`adapters.teams.mount` mounts ``POST /api/messages``, :mod:`adapters.teams.settings`
holds ``MICROSOFT_APP_*``, ``migrations/`` and :mod:`adapters.teams.references` its tables,
and ``teams-package`` builds the app package. Bot Framework is being retired in favour of the
Microsoft 365 Agents SDK; that move should only touch this package.
"""

from bot.runtime.adapters import AdapterSpec

SPEC = AdapterSpec(
    name="teams",
    mount="adapters.teams.mount:setup",
    settings="adapters.teams.settings:TeamsSettings",
    migrations="adapters.teams.migrations",
    tables="adapters.teams.references:metadata",
    fake="bot.testing.fake_connector:FakeConnector",
    commands={
        "teams-package": (
            "adapters.teams.command",
            "build the Teams app package to sideload",
        )
    },
)
