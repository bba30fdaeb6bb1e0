"""Words that describe a theme: a contrast score over word stems, and YAKE keyphrases.

The contrast score ranks the stems that most answers of one theme use and few others do; the
best one, inside the YAKE keyphrase that contains it, names the theme, and the next ones say
what sets the theme apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import yake
from scipy.sparse import csr_matrix

from bot.synthesis.language import Analyzer


def presence(words: csr_matrix) -> csr_matrix:
    """Binary document-term matrix (a word counts once per answer)."""
    binary = words.copy().tocsr()
    binary.data[:] = 1
    return binary


def contrast(words: csr_matrix, labels: np.ndarray, count: int) -> np.ndarray:
    """Rows are themes, columns stems: ``sqrt(p) * (p - q)``, where ``p`` is the share of the
    theme's answers that use the stem and ``q`` the share of the other answers.

    A word scores high when most of a theme's answers use it and few others do; on banking77
    this named themes better than c-TF-IDF, which favours rare words used once.
    """
    binary = presence(words)
    sizes = np.bincount(labels, minlength=count).astype(float)
    inside = np.vstack([np.asarray(binary[labels == t].sum(axis=0)).ravel() for t in range(count)])
    total = inside.sum(axis=0)
    rest_sizes = np.maximum(len(labels) - sizes, 1)[:, None]
    p = inside / np.maximum(sizes, 1)[:, None]
    q = (total[None, :] - inside) / rest_sizes
    scores: np.ndarray = np.sqrt(p) * (p - q)
    return scores


def top_stems(scores: np.ndarray, vocabulary: Sequence[str], limit: int) -> list[str]:
    """The ``limit`` best stems of one row, ties broken by the stem itself."""
    order = sorted(
        (int(i) for i in np.flatnonzero(scores > 0)),
        key=lambda i: (-round(float(scores[i]), 9), vocabulary[i]),
    )
    return [vocabulary[i] for i in order[:limit]]


def keyphrase(texts: Sequence[str], analyzer: Analyzer, wanted: Sequence[str]) -> str | None:
    """The best YAKE keyphrase (one or two words) that contains one of the ``wanted`` stems."""
    if not texts or not wanted:
        return None
    extractor = yake.KeywordExtractor(lan=analyzer.lang, n=2, top=20, dedup_lim=0.7)
    document = "\n".join(
        text if text.rstrip().endswith((".", "!", "?")) else f"{text}." for text in texts
    )
    candidates = extractor.extract_keywords(document)
    rank = {stem: i for i, stem in enumerate(wanted)}
    scored: list[tuple[int, int, float, str]] = []
    for phrase, weight in candidates:
        stems = analyzer.stems(phrase, record=False)
        if not stems or len(stems) != len(phrase.split()):
            continue  # a stop word inside the phrase
        hits = [rank[s] for s in stems if s in rank]
        if hits:
            scored.append((min(hits), -len(hits), round(float(weight), 9), phrase.casefold()))
    return min(scored)[3] if scored else None
