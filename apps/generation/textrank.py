"""TextRank sentence scores as ``summa.summarizer.summarize(text, ratio=1.0, split=True, scores=True)`` gives
them, at a fraction of the cost.

summa stems every word of every sentence with its Snowball stemmer (the same words again and again),
compares every pair of sentences by re-splitting both token strings, and builds its PageRank matrix with
one edge lookup per pair of sentences. This module keeps summa's sentence splitter, filters, stemmer and
stopword list, so the tokens are summa's (English words go through :mod:`apps.generation.stemming`, a
faster port of summa's English stemmer that stems every word as summa's does); it stems each distinct word
once (a cache per language), compares only the pairs of sentences that share a word (an inverted index: the
other pairs have similarity 0, which summa never turns into an edge), and builds the same matrix from
neighbour lists kept in summa's order (the row sums are float sums, so the order matters), then takes the
same eigenvector. A unit test compares the result with summa's on real text, sentence by sentence and score
by score.
"""

from collections.abc import Callable
from functools import lru_cache
from math import log10

from apps.generation.stemming import english_stem


@lru_cache(maxsize=8)
def _language(language: str) -> tuple[frozenset[str], Callable[[str], str]]:
    """summa's stopword set (no additional stopwords) and its Snowball stemmer, memoised per word (the cache
    goes with this function's: emptying it, as the generation bench does between repetitions, empties both).
    English uses the port in :mod:`apps.generation.stemming`, which stems every word as summa's does."""
    from summa.preprocessing.snowball import SnowballStemmer
    from summa.preprocessing.textcleaner import get_stopwords_by_language

    stopwords = frozenset(w for w in get_stopwords_by_language(language).split() if w)
    stemmer = english_stem if language == "english" else SnowballStemmer(language).stem
    stem = lru_cache(maxsize=65536)(stemmer)
    return stopwords, stem


def _token(sentence: str, stopwords: frozenset[str], stem: Callable[[str], str]) -> str:
    """summa's ``filter_words`` for one sentence: lower case, no digits, no punctuation, no stopwords, stems."""
    from summa.preprocessing.textcleaner import strip_numeric, strip_punctuation

    kept = [w for w in strip_punctuation(strip_numeric(sentence.lower())).split() if w not in stopwords]
    return " ".join(stem(w) for w in kept)


def scores(text: str, *, language: str = "english") -> list[tuple[str, float]]:
    """``(sentence, score)`` for each sentence summa finds in ``text``, in text order (as summa returns them
    with ``ratio=1.0``); sentences with no word left after filtering are left out, isolated ones score 0."""
    from summa.preprocessing.textcleaner import split_sentences

    stopwords, stem = _language(language)
    units = [(s, t) for s in split_sentences(text) if (t := _token(s, stopwords, stem))]
    nodes = list(dict.fromkeys(t for _, t in units))  # summa's graph: one node per distinct token string
    ranked = _pagerank(nodes, _edges(nodes))
    return [(s, ranked.get(t, 0)) for s, t in units]


def _edges(nodes: list[str]) -> list[list[tuple[int, float]]]:
    """Each node's neighbours with the edge weight, in the order summa's graph lists them.

    summa visits every ordered pair of nodes and adds the edge (i, j) the first time its similarity is not
    0, so for i < j, i then j ascending; a node's neighbour list grows in that order. The similarity is
    ``common words / (log10 len1 + log10 len2)``, 0 when both have one word."""
    words = [n.split() for n in nodes]
    sizes = [log10(len(w)) for w in words]
    sets = [set(w) for w in words]
    having: dict[str, list[int]] = {}
    for i, found in enumerate(sets):
        for word in found:
            having.setdefault(word, []).append(i)
    neighbours: list[list[tuple[int, float]]] = [[] for _ in nodes]
    for i, found in enumerate(sets):
        for j in sorted({j for word in found for j in having[word] if j > i}):
            total = sizes[i] + sizes[j]
            if total != 0:
                weight = len(found & sets[j]) / total
                neighbours[i].append((j, weight))
                neighbours[j].append((i, weight))
    if not any(neighbours):  # summa: no similarity anywhere, so every pair gets weight 1
        neighbours = [[(j, 1) for j in range(len(nodes)) if j != i] for i in range(len(nodes))]
    return neighbours


def _pagerank(nodes: list[str], neighbours: list[list[tuple[int, float]]]) -> dict[str, float]:
    """summa's ``pagerank_weighted_scipy`` on the graph without its isolated nodes: the same matrix, built
    from the neighbour lists instead of one edge lookup per pair of nodes."""
    import numpy as np
    from scipy.linalg import eig

    kept = [i for i in range(len(nodes)) if neighbours[i]]  # summa's remove_unreachable_nodes
    if not kept:
        return {}
    position = {node: row for row, node in enumerate(kept)}
    size = len(kept)
    adjacency = np.zeros((size, size))
    for row, i in enumerate(kept):
        total = sum(weight for _, weight in neighbours[i])
        for j, weight in neighbours[i]:
            adjacency[row, position[j]] = float(weight) / total
    probability = np.empty((size, size))
    probability.fill(1 / float(size))
    damping = 0.85
    _, vectors = eig(damping * adjacency + (1 - damping) * probability, left=True, right=False)
    return {nodes[i]: abs(vectors[row][0]) for row, i in enumerate(kept)}
