"""Hybrid retrieval in pure Python/numpy: BM25 over our own terms plus MiniLM cosine, fused (ADR 0021).

Nothing here depends on the database, so the ranking is the same on SQLite and PostgreSQL (see ADR 0016).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

BM25_K1 = 1.5
BM25_B = 0.75
#: Reciprocal rank fusion constant (Cormack et al., 2009): score = sum over rankings of 1 / (RRF_K + rank).
RRF_K = 60
#: Each ranking contributes its best ``max(CANDIDATE_DEPTH, 10 * k)`` chunks to the fusion.
CANDIDATE_DEPTH = 100


class Bm25:
    """Okapi BM25 with Lucene's non-negative idf, precomputed as one sparse (chunks x terms) weight matrix."""

    def __init__(self, documents: Sequence[Sequence[str]], *, k1: float = BM25_K1, b: float = BM25_B) -> None:
        self.vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        counts: list[float] = []
        lengths = np.zeros(len(documents), dtype=np.float64)
        for row, words in enumerate(documents):
            lengths[row] = len(words)
            for word, count in Counter(words).items():
                rows.append(row)
                cols.append(self.vocabulary.setdefault(word, len(self.vocabulary)))
                counts.append(count)
        shape = (len(documents), max(1, len(self.vocabulary)))
        tf = sparse.csc_matrix((np.asarray(counts, dtype=np.float64), (rows, cols)), shape=shape)
        n = len(documents)
        df = np.diff(tf.indptr).astype(np.float64)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        average = float(lengths.mean()) if n and lengths.mean() > 0 else 1.0
        norm = k1 * (1 - b + b * lengths / average)
        tf_coo = tf.tocoo()
        weights = tf_coo.data * (k1 + 1) / (tf_coo.data + norm[tf_coo.row]) * idf[tf_coo.col]
        self.weights = sparse.csc_matrix((weights, (tf_coo.row, tf_coo.col)), shape=shape)
        self.size = n

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk for the query terms (each distinct term counted once)."""
        columns = sorted({self.vocabulary[word] for word in query if word in self.vocabulary})
        if not columns or self.size == 0:
            return np.zeros(self.size, dtype=np.float64)
        return np.asarray(self.weights[:, columns].sum(axis=1)).ravel()


def top_ranked(scores: np.ndarray, candidates: np.ndarray, depth: int) -> np.ndarray:
    """Positions (into ``scores``) of the best ``depth`` candidates, best first; ties by position (stable)."""
    if candidates.size == 0:
        return candidates
    candidate_scores = scores[candidates]
    if candidates.size > depth:
        part = np.argpartition(-candidate_scores, depth - 1)[:depth]
        # argpartition does not order ties deterministically: re-rank the kept ones and the ties at the cut.
        cut = candidate_scores[part].min()
        part = np.flatnonzero(candidate_scores >= cut)
    else:
        part = np.arange(candidates.size)
    order = np.lexsort((candidates[part], -candidate_scores[part]))
    return candidates[part[order]][:depth]


def reciprocal_rank_fusion(
    rankings: Sequence[np.ndarray], size: int, *, weights: Sequence[float] | None = None, k: int = RRF_K
) -> np.ndarray:
    """Fused score per position: sum of weight / (k + rank) over the rankings that contain it (rank from 1)."""
    fused = np.zeros(size, dtype=np.float64)
    for number, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[number]
        fused[ranking] += weight / (k + np.arange(1, ranking.size + 1))
    return fused


def min_max(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """``scores`` scaled to [0, 1] over the candidates (min -> 0, max -> 1); all equal -> all 0."""
    scaled = np.zeros(scores.shape[0], dtype=np.float64)
    if candidates.size == 0:
        return scaled
    values = scores[candidates].astype(np.float64)
    low, high = float(values.min()), float(values.max())
    if high > low:
        scaled[candidates] = (values - low) / (high - low)
    return scaled


@dataclass(frozen=True)
class Fusion:
    """How the dense and BM25 rankings are combined (ADR 0021).

    - ``convex``: ``dense_weight * minmax(cosine) + (1 - dense_weight) * minmax(bm25)`` over every candidate
      chunk (both scores are computed for all of them anyway, so there is no cut and nothing approximate);
    - ``rrf``: weighted reciprocal rank fusion of each ranking's best ``depth`` (``dense_weight`` and
      ``1 - dense_weight`` as the weights, ``rrf_k`` the constant);
    - ``rerank``: BM25's best ``depth`` chunks reordered by cosine, the dense ranking filling up when BM25
      matches fewer than ``k``.
    """

    method: str = "rrf"
    dense_weight: float = 0.5
    rrf_k: int = RRF_K
    depth: int = CANDIDATE_DEPTH


#: The tuned fusion (bench/chat, dev halves of its question sets; ADR 0021): equal weights, k = 10.
DEFAULT_FUSION = Fusion(method="rrf", dense_weight=0.5, rrf_k=10)
#: The fusion of ADR 0016, kept for comparison in the benchmark.
EQUAL_RRF = Fusion(method="rrf", dense_weight=0.5)


@dataclass(frozen=True)
class Hit:
    position: int  # row of the index
    score: float  # fused score
    similarity: float  # cosine between question and chunk
    bm25: float


def _fused_scores(
    fusion: Fusion, similarity: np.ndarray, lexical: np.ndarray, candidates: np.ndarray, cut: int, k: int
) -> np.ndarray:
    size = similarity.shape[0]
    matching = candidates[lexical[candidates] > 0]
    if fusion.method == "convex":
        fused = np.zeros(size, dtype=np.float64)
        # Offset by 1 so that every candidate scores above the zero of the positions outside the mask.
        fused[candidates] = 1.0 + fusion.dense_weight * min_max(similarity, candidates)[candidates]
        fused[candidates] += (1.0 - fusion.dense_weight) * min_max(lexical, candidates)[candidates]
        return fused
    if fusion.method == "rerank":
        fused = np.zeros(size, dtype=np.float64)
        dense_fill = top_ranked(similarity, candidates, k)
        fused[dense_fill] = 1.0 + (similarity[dense_fill] + 1.0) / 4  # in (1, 1.5]: below every BM25 pick
        lexical_top = top_ranked(lexical, matching, cut)
        fused[lexical_top] = 2.0 + similarity[lexical_top]
        return fused
    if fusion.method == "rrf":
        rankings = [top_ranked(similarity, candidates, cut), top_ranked(lexical, matching, cut)]
        weights = [fusion.dense_weight, 1.0 - fusion.dense_weight]
        return reciprocal_rank_fusion(rankings, size, weights=weights, k=fusion.rrf_k)
    raise ValueError(f"unknown fusion method {fusion.method!r}")


def hybrid_search(
    *,
    bm25: Bm25,
    vectors: np.ndarray,
    query_terms: Sequence[str],
    query_vector: np.ndarray,
    mask: np.ndarray | None = None,
    k: int = 5,
    depth: int | None = None,
    mode: str = "hybrid",
    fusion: Fusion = DEFAULT_FUSION,
) -> list[Hit]:
    """The best ``k`` chunks for a question. ``mode``: hybrid (``fusion`` of both), bm25 or dense alone.

    ``depth`` overrides how many of each ranking a rank-based fusion keeps (``None``: the fusion's own);
    ``depth=0`` fuses the complete rankings, the exact reference the benchmark compares with.
    """
    size = vectors.shape[0]
    if size == 0:
        return []
    candidates = np.flatnonzero(mask) if mask is not None else np.arange(size)
    cut = size if depth == 0 else max(depth or fusion.depth, 10 * k)
    similarity = vectors @ query_vector.astype(np.float32)
    lexical = bm25.scores(query_terms)
    if mode == "dense":
        fused = np.zeros(size, dtype=np.float64)
        fused[candidates] = 2.0 + similarity[candidates]  # cosine in [-1, 1]: every candidate above 0
    elif mode == "bm25":
        fused = np.zeros(size, dtype=np.float64)
        matching = candidates[lexical[candidates] > 0]
        fused[matching] = lexical[matching]
    elif mode == "hybrid":
        fused = _fused_scores(fusion, similarity, lexical, candidates, cut, k)
    else:
        raise ValueError(f"unknown retrieval mode {mode!r}")
    best = top_ranked(fused, np.flatnonzero(fused > 0), k)
    return [Hit(int(p), float(fused[p]), float(similarity[p]), float(lexical[p])) for p in best]
