"""Words that describe a theme: a contrast score over word stems.

The contrast score ranks the stems that most answers of one theme use and few others do; the
best ones say what sets the theme apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from scipy.sparse import csr_matrix

from bot.synthesis.language import Analyzer, word_prefixes


def presence(words: csr_matrix) -> csr_matrix:
    """Binary document-term matrix (a word counts once per answer)."""
    binary = words.copy().tocsr()
    binary.data[:] = 1
    return binary


def contrast(words: csr_matrix, labels: np.ndarray, count: int) -> np.ndarray:
    """Rows are themes, columns stems: ``p**1.5 * (p - q)``, where ``p`` is the share of the
    theme's answers that use the stem and ``q`` the share of the other answers.

    A word scores high when most of a theme's answers use it and few others do; on banking77
    this named themes better than c-TF-IDF, which favours rare words used once, and better
    than ``sqrt(p) * (p - q)``.
    """
    binary = presence(words)
    sizes = np.bincount(labels, minlength=count).astype(float)
    inside = np.vstack([np.asarray(binary[labels == t].sum(axis=0)).ravel() for t in range(count)])
    total = inside.sum(axis=0)
    rest_sizes = np.maximum(len(labels) - sizes, 1)[:, None]
    p = inside / np.maximum(sizes, 1)[:, None]
    q = (total[None, :] - inside) / rest_sizes
    scores: np.ndarray = p**1.5 * (p - q)
    scores[inside < 2] = 0.0  # a word only one answer uses neither names nor describes a theme
    return scores


def top_stems(scores: np.ndarray, vocabulary: Sequence[str], limit: int) -> list[str]:
    """The ``limit`` best stems of one row, ties broken by the stem itself."""
    order = sorted(
        (int(i) for i in np.flatnonzero(scores > 0)),
        key=lambda i: (-round(float(scores[i]), 9), vocabulary[i]),
    )
    return [vocabulary[i] for i in order[:limit]]


def prefix_word(
    members: Sequence[str],
    others: Sequence[str],
    analyzer: Analyzer,
    allowed: Callable[[str], bool] | None = None,
) -> str | None:
    """A word for a theme whose answers share no whole word but a word start, as Dutch
    compounds do: for *fietsenstalling*, *fietspad* and *fietsers*, the shortest of them
    that ``allowed`` accepts (a noun, say)."""
    inside: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    written: dict[str, set[str]] = {}
    for text in members:
        for word in set(analyzer.words(text)):
            for start in {p for p in word_prefixes(word) if len(p) >= 5}:
                written.setdefault(start, set()).add(word)
        inside.update({p for p in analyzer.prefixes(text) if len(p) >= 5})
    for text in others:
        outside.update({p for p in analyzer.prefixes(text) if len(p) >= 5})

    def score(start: str) -> tuple[float, int, str]:
        p = inside[start] / len(members)
        q = outside[start] / max(len(others), 1)
        return (-round(p**1.5 * (p - q), 9), -len(start), start)

    shared = sorted((s for s, n in inside.items() if n >= 2), key=score)
    for start in shared:
        words = [w for w in written[start] if allowed is None or allowed(w)]
        if words:
            return min(words, key=lambda word: (len(word), word))
    return None
