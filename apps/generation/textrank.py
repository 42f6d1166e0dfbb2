"""TextRank sentence scores as ``summa.summarizer.summarize(text, ratio=1.0, split=True, scores=True)`` gives
them, at a fraction of the cost.

summa stems every word of every sentence with its Snowball stemmer (the same words again and again), then
compares every pair of sentences by re-splitting both token strings. This module keeps summa's sentence
splitter, filters, stemmer, stopword list, graph and PageRank, so the scores are summa's; it stems each
distinct word once (a cache per language) and compares only the pairs of sentences that share a word (an
inverted index; the other pairs have similarity 0, which summa never turns into an edge), adding the edges
in summa's order so that PageRank sees the same graph. A unit test compares the result with summa's on real
text, sentence by sentence and score by score.
"""

from collections.abc import Callable
from functools import lru_cache
from math import log10


@lru_cache(maxsize=8)
def _language(language: str) -> tuple[frozenset[str], Callable[[str], str]]:
    """summa's stopword set (no additional stopwords) and its Snowball stemmer, memoised per word."""
    from summa.preprocessing.snowball import SnowballStemmer
    from summa.preprocessing.textcleaner import get_stopwords_by_language

    stopwords = frozenset(w for w in get_stopwords_by_language(language).split() if w)
    stem = lru_cache(maxsize=65536)(SnowballStemmer(language).stem)
    return stopwords, stem


def _token(sentence: str, stopwords: frozenset[str], stem: Callable[[str], str]) -> str:
    """summa's ``filter_words`` for one sentence: lower case, no digits, no punctuation, no stopwords, stems."""
    from summa.preprocessing.textcleaner import strip_numeric, strip_punctuation

    kept = [w for w in strip_punctuation(strip_numeric(sentence.lower())).split() if w not in stopwords]
    return " ".join(stem(w) for w in kept)


def scores(text: str, *, language: str = "english") -> list[tuple[str, float]]:
    """``(sentence, score)`` for each sentence summa finds in ``text``, in text order (as summa returns them
    with ``ratio=1.0``); sentences with no word left after filtering are left out, isolated ones score 0."""
    from summa.commons import build_graph, remove_unreachable_nodes
    from summa.pagerank_weighted import pagerank_weighted_scipy
    from summa.preprocessing.textcleaner import split_sentences
    from summa.summarizer import _create_valid_graph

    stopwords, stem = _language(language)
    units = [(s, t) for s in split_sentences(text) if (t := _token(s, stopwords, stem))]
    graph = build_graph([t for _, t in units])
    nodes = graph.nodes()
    words = [n.split() for n in nodes]
    sizes = [log10(len(w)) for w in words]
    sets = [set(w) for w in words]
    having: dict[str, list[int]] = {}
    for i, found in enumerate(sets):
        for word in found:
            having.setdefault(word, []).append(i)
    for i, found in enumerate(sets):
        # summa visits every ordered pair and adds (i, j) the first time its similarity is not 0: for i < j.
        others = sorted({j for word in found for j in having[word] if j > i})
        for j in others:
            total = sizes[i] + sizes[j]
            if total != 0:  # summa: similarity 0 when both sentences are one word long
                graph.add_edge((nodes[i], nodes[j]), len(found & sets[j]) / total)
    if all(graph.edge_weight(edge) == 0 for edge in graph.edges()):
        _create_valid_graph(graph)
    remove_unreachable_nodes(graph)
    if not graph.nodes():
        return []
    ranked = pagerank_weighted_scipy(graph)
    return [(s, ranked.get(t, 0)) for s, t in units]
