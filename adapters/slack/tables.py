"""The Slack adapter's tables, as slack_sdk's stores define them (one definition: the
revisions in ``migrations/`` are held to these by a test, so a slack_sdk upgrade that changes
a column shows up there instead of at the first install)."""

from __future__ import annotations

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

Installations = AsyncSQLAlchemyInstallationStore
States = AsyncSQLAlchemyOAuthStateStore

metadata = sa.MetaData()
installations = Installations.build_installations_table(
    metadata, Installations.default_installations_table_name
)
bots = Installations.build_bots_table(metadata, Installations.default_bots_table_name)
oauth_states = States.build_oauth_states_table(metadata, States.default_table_name)
