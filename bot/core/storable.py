"""Text a database can store: no NUL characters (PostgreSQL refuses them in text) and no lone
surrogates (not encodable as UTF-8). Checked before anything reaches the database, so that
SQLite and PostgreSQL answer the same (a clear refusal, "dit teken kan ik niet opslaan")."""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> bool:
    """True when ``text`` can be stored as it is."""
    return _UNSTORABLE.search(text) is None
