"""Words that describe a theme: class-based TF-IDF over word stems, and YAKE keyphrases.

c-TF-IDF (as in BERTopic) scores a stem by how much more often the answers of one theme use
it than the answers overall; it gives the words that set a theme apart, and, when the same
stems are common in several themes, what the answers share.
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


def class_scores(words: csr_matrix, labels: np.ndarray, count: int) -> np.ndarray:
    """c-TF-IDF: rows are themes, columns stems; ``tf(t, c) * log(1 + A / tf(t))``."""
    binary = presence(words)
    per_theme = np.vstack(
        [np.asarray(binary[labels == t].sum(axis=0)).ravel() for t in range(count)]
    )
    total = per_theme.sum(axis=0)
    average = max(per_theme.sum() / max(count, 1), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        idf = np.where(total > 0, np.log1p(average / np.maximum(total, 1)), 0.0)
    sizes = np.maximum(np.bincount(labels, minlength=count), 1)[:, None]
    scores: np.ndarray = (per_theme / sizes) * idf
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
        stems = analyzer.stems(phrase)
        if not stems or len(stems) != len(phrase.split()):
            continue  # a stop word inside the phrase
        hits = [rank[s] for s in stems if s in rank]
        if hits:
            scored.append((min(hits), -len(hits), round(float(weight), 9), phrase.casefold()))
    return min(scored)[3] if scored else None
