"""Keep answer text and user ids out of logs (PRODUCT.md §4.8).

Database drivers and platform SDKs log SQL parameters and request bodies at debug level:
those lines would hold answers next to user ids. Their loggers are held at WARNING even
when dialoogbot itself runs with ``--verbose``.
"""

from __future__ import annotations

import logging

CHATTY = (
    "aiosqlite",
    "asyncpg",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "slack_bolt",
    "slack_sdk",
    "botbuilder",
    "botframework",
    "msrest",
    "msal",
    "urllib3",
)


def quiet_chatty_loggers() -> None:
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
