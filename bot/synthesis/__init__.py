"""Synthesis of a round's answers into a :class:`~bot.core.summary.Summary`.

:class:`OfflineSynthesizer` is the default (no network, no model download);
:class:`LLMSynthesizer` can rename themes and write prose through an OpenAI-compatible
endpoint, falling back to the offline result. :func:`synthesizer` picks one from settings.
"""

from bot.synthesis.llm import LLMSynthesizer, synthesizer
from bot.synthesis.offline import OfflineSynthesizer

__all__ = ["LLMSynthesizer", "OfflineSynthesizer", "synthesizer"]
