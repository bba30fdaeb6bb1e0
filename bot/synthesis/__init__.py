"""Synthesis of a round's answers into a :class:`~bot.summary.Summary`.

:class:`OfflineSynthesizer` is the default (no network, no model download);
:mod:`bot.synthesis.llm` can rename themes and write prose through an OpenAI-compatible
endpoint, falling back to the offline result.
"""

from bot.synthesis.offline import OfflineSynthesizer

__all__ = ["OfflineSynthesizer"]
