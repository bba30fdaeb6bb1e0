"""Make text safe to post in Slack: anonymous text can never ping, link or impersonate.

PRODUCT.md §4.7: ``<!channel>``, ``@here``, ``<@U…>``, ``<#C…>``, ``<http…|…>`` and
formatting in relayed text are neutralised. Slack's control sequences all start with ``<``,
so escaping ``&``, ``<`` and ``>`` (as Slack asks) already disarms them; bare ``@here``-style
words are broken with a word joiner so ``link_names`` parsing cannot turn them into pings.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
_AT_WORD = re.compile(r"@(?=\w)")
_FORMATTING = re.compile(r"([*_~`>])")


def escape(text: str) -> str:
    """Slack's required escaping of its three control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def neutralise(text: str) -> str:
    """Text from a participant as inert ``plain_text``: no mentions, links or pings."""
    return _AT_WORD.sub("@" + WORD_JOINER, escape(text))


def neutralise_mrkdwn(text: str) -> str:
    """As :func:`neutralise`, and formatting characters broken too (for ``mrkdwn`` fields).

    A word joiner before ``*``, ``_``, ``~``, `````` and ``>`` keeps them from pairing into
    bold, italic, strike, code or a block quote; the text reads the same.
    """
    text = _FORMATTING.sub(WORD_JOINER + r"\1", text)
    return neutralise(text)
