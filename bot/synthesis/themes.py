"""Grouping answers into themes: TF-IDF vectors and clustering with the number chosen from data.

Vectors join Snowball-stemmed word TF-IDF with character n-grams (which catch Dutch compounds:
*buurthuis* and *buurt*). They are reduced by LSA and grouped by Ward clustering; the number
of themes is the one with the best silhouette among a small range. Large inputs are grouped on
a fixed sample and the rest assigned to the nearest theme. Everything is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix, hstack
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from bot.synthesis.language import Analyzer

SAMPLE = 2000  # answers clustered directly; the rest are assigned to the nearest theme
WORD_WEIGHT = 1.0
CHAR_WEIGHT = 1.0


@dataclass(frozen=True)
class Grouping:
    """Theme number per text (0..k-1, largest theme first) and the vectors used."""

    labels: np.ndarray
    vectors: csr_matrix
    words: csr_matrix
    vocabulary: tuple[str, ...]

    @property
    def count(self) -> int:
        return int(self.labels.max()) + 1 if len(self.labels) else 0

    def members(self, theme: int) -> np.ndarray:
        return np.flatnonzero(self.labels == theme)


def vectorize(texts: Sequence[str], analyzer: Analyzer) -> tuple[csr_matrix, csr_matrix, list[str]]:
    """Word-stem and character n-gram TF-IDF, each L2-normalised, joined and normalised."""
    many = len(texts) > 500
    word = TfidfVectorizer(analyzer=analyzer.stems, sublinear_tf=True, dtype=np.float32)
    words = word.fit_transform(texts)
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        preprocessor=analyzer.clean,
        sublinear_tf=True,
        min_df=2 if many else 1,
        dtype=np.float32,
    )
    try:
        chars = char.fit_transform(texts)
    except ValueError:  # no n-gram left (only stop words)
        chars = csr_matrix((len(texts), 0), dtype=np.float32)
    joined = normalize(hstack([WORD_WEIGHT * words, CHAR_WEIGHT * chars]).tocsr())
    return joined, words.tocsr(), list(word.get_feature_names_out())


def _reduce(vectors: csr_matrix) -> np.ndarray:
    n, m = vectors.shape
    dims = min(100, n - 1, m - 1)
    if dims < 2:
        return np.asarray(vectors.todense())
    svd = TruncatedSVD(n_components=dims, algorithm="arpack", random_state=0)
    reduced: np.ndarray = normalize(svd.fit_transform(vectors))
    return reduced


def _choose(points: np.ndarray, max_k: int, min_size: int) -> np.ndarray:
    """Ward tree cut at the k with the best cosine silhouette (k from 2 to ``max_k``)."""
    n = len(points)
    tree = linkage(points, method="ward")
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, max_k + 1):
        cut = fcluster(tree, t=k, criterion="maxclust") - 1
        sizes = np.bincount(cut)
        if len(sizes) < 2 or len(sizes) >= n:
            continue
        score = float(silhouette_score(points, cut, metric="cosine"))
        # Themes too small to publish count against a cut.
        score -= 0.02 * int((sizes < min_size).sum())
        if best is None or score > best[0] + 1e-9:
            best = (score, cut)
    return best[1] if best is not None else np.zeros(n, dtype=int)


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Number themes by size, largest first (ties by first member) so output is stable."""
    ids = sorted(
        set(labels.tolist()), key=lambda t: (-int((labels == t).sum()), int(np.argmax(labels == t)))
    )
    mapping = {old: new for new, old in enumerate(ids)}
    return np.array([mapping[t] for t in labels.tolist()], dtype=int)


def group(texts: Sequence[str], analyzer: Analyzer, max_k: int = 6, min_size: int = 3) -> Grouping:
    """Group texts into at most ``max_k`` themes (one theme when there are too few texts)."""
    vectors, words, vocabulary = vectorize(texts, analyzer)
    n = len(texts)
    if n < 2 * max(min_size, 2):
        return Grouping(np.zeros(n, dtype=int), vectors, words, tuple(vocabulary))
    points = _reduce(vectors)
    if n <= SAMPLE:
        labels = _choose(points, min(max_k, n // 2), min_size)
    else:
        sample = np.linspace(0, n - 1, SAMPLE).round().astype(int)
        sampled = _choose(points[sample], max_k, min_size)
        centroids = normalize(
            np.vstack([points[sample][sampled == t].mean(axis=0) for t in range(sampled.max() + 1)])
        )
        labels = np.asarray((points @ centroids.T).argmax(axis=1)).ravel()
    return Grouping(_relabel(labels), vectors, words, tuple(vocabulary))
