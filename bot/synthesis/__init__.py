"""Synthesis of a round's answers into a :class:`~bot.core.summary.Summary`.

:class:`OfflineSynthesizer` is the default (no network, no model download);
:class:`LLMSynthesizer` can rename themes and write prose through an OpenAI-compatible
endpoint, falling back to the offline result. :func:`synthesizer` picks one from settings.

The three are loaded on first use (scikit-learn and SciPy take seconds to import): a process
restarted after a crash sends what is waiting in the outbox first, and the core's use of
:mod:`bot.synthesis.keywords` does not pull them in.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.synthesis.llm import LLMSynthesizer, synthesizer
    from bot.synthesis.offline import OfflineSynthesizer

__all__ = ["LLMSynthesizer", "OfflineSynthesizer", "synthesizer"]

_WHERE = {
    "LLMSynthesizer": "bot.synthesis.llm",
    "synthesizer": "bot.synthesis.llm",
    "OfflineSynthesizer": "bot.synthesis.offline",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
