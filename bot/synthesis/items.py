"""Listing headlines, dreams and ideas with near-duplicates merged and counted.

Two answers are one item when they are the same after folding case, accents and punctuation,
or when their character n-gram vectors are very close (cosine at least ``SIMILAR``), so that
*"Een buurthuis openen"* and *"buurthuis openen!"* count as one idea given by two people.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_distances

from bot.synthesis.language import Analyzer, fold

SIMILAR = 0.7  # cosine similarity of character n-grams for two answers to be one item
MAX_COMPARED = 1500  # beyond this many distinct answers only exact duplicates are merged


def item_key(text: str) -> str:
    """Two texts with the same key differ only in case, accents and punctuation."""
    return " ".join(re.findall(r"\w+", fold(text)))


def merge_items(
    texts: Sequence[str], respondents: Sequence[int], analyzer: Analyzer
) -> list[tuple[str, int]]:
    """(text, distinct people) per merged item, most given first; the commonest (then the
    fullest) wording is shown."""
    return [(text, count) for text, count, _ in merged_items(texts, respondents, analyzer)]


def merged_items(
    texts: Sequence[str], respondents: Sequence[int], analyzer: Analyzer
) -> list[tuple[str, int, list[int]]]:
    """As :func:`merge_items`, with the positions in ``texts`` each item merges."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        if text.strip():
            by_key[item_key(text) or text.strip()].append(i)
    keys = sorted(by_key)
    groups = _similar(keys, analyzer)
    merged: dict[int, list[int]] = defaultdict(list)
    for key, g in zip(keys, groups, strict=True):
        merged[g].extend(by_key[key])
    items = []
    for members in merged.values():
        wording = Counter(texts[i].strip() for i in members)
        text = min(wording.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0]
        items.append((text, len({respondents[i] for i in members}), sorted(members)))
    items.sort(key=lambda item: (-item[1], fold(item[0]), item[0], item[2]))
    return items


def _similar(keys: Sequence[str], analyzer: Analyzer) -> list[int]:
    """A group number per key: complete-linkage groups within the similarity bound."""
    if len(keys) < 2 or len(keys) > MAX_COMPARED:
        return list(range(len(keys)))
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), preprocessor=analyzer.clean
    )
    try:
        vectors = vectorizer.fit_transform(keys)
    except ValueError:  # nothing but stop words everywhere
        return list(range(len(keys)))
    empty = np.asarray(vectors.sum(axis=1)).ravel() == 0
    distances = np.clip(cosine_distances(vectors), 0.0, 2.0)
    distances[empty, :] = distances[:, empty] = 2.0  # no content words: never merged on nothing
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="complete")
    return [int(g) for g in fcluster(tree, t=1.0 - SIMILAR, criterion="distance")]
