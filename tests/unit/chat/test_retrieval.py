"""BM25, rank fusion and the hybrid search: exact figures on small hand-checked corpora, no database."""

import math

import numpy as np
import pytest

from apps.chat import retrieval
from apps.chat.text import sentence_spans, terms


def _bm25_by_hand(query: list[str], docs: list[list[str]], row: int, k1: float = 1.5, b: float = 0.75) -> float:
    average = sum(len(d) for d in docs) / len(docs)
    score = 0.0
    for word in set(query):
        df = sum(1 for d in docs if word in d)
        if df == 0:
            continue
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        tf = docs[row].count(word)
        score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(docs[row]) / average))
    return score


DOCS = [
    ["napoleon", "army", "cross", "river", "army"],
    ["natasha", "dance", "ball"],
    ["pierre", "napoleon", "moscow", "fire", "moscow", "french", "army"],
    ["prince", "andrew", "wound", "austerlitz"],
]


def test_bm25_matches_the_okapi_formula() -> None:
    index = retrieval.Bm25(DOCS)

    scores = index.scores(["army", "moscow", "unknown"])

    expected = [_bm25_by_hand(["army", "moscow", "unknown"], DOCS, row) for row in range(len(DOCS))]
    assert scores == pytest.approx(expected)
    assert scores[1] == scores[3] == 0.0
    assert scores[2] > scores[0] > 0


def test_bm25_counts_a_repeated_query_word_once() -> None:
    index = retrieval.Bm25(DOCS)

    assert index.scores(["army", "army"]) == pytest.approx(index.scores(["army"]))


def test_bm25_on_an_empty_index_scores_nothing() -> None:
    assert retrieval.Bm25([]).scores(["army"]).shape == (0,)


def test_reciprocal_rank_fusion_sums_one_over_k_plus_rank() -> None:
    fused = retrieval.reciprocal_rank_fusion([np.array([2, 0]), np.array([0, 3])], size=4)

    k = retrieval.RRF_K
    assert fused == pytest.approx([1 / (k + 2) + 1 / (k + 1), 0, 1 / (k + 1), 1 / (k + 2)])


def test_top_ranked_breaks_ties_by_position() -> None:
    scores = np.array([1.0, 3.0, 3.0, 2.0, 3.0])

    assert retrieval.top_ranked(scores, np.arange(5), 2).tolist() == [1, 2]
    assert retrieval.top_ranked(scores, np.array([4, 3, 0]), 3).tolist() == [4, 3, 0]


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _hybrid_fixture() -> tuple[retrieval.Bm25, np.ndarray]:
    vectors = np.stack([_unit(1, 0, 0), _unit(0, 1, 0), _unit(0.6, 0.8, 0), _unit(0, 0, 1)])
    return retrieval.Bm25(DOCS), vectors


@pytest.mark.parametrize(
    ("mode", "fusion", "expected"),
    [
        pytest.param("bm25", retrieval.DEFAULT_FUSION, [2, 0], id="bm25-alone"),
        pytest.param("dense", retrieval.DEFAULT_FUSION, [1, 2, 0, 3], id="dense-alone"),
        # BM25 of chunk 0 is 0.472 of chunk 2's; cosines are 0, 1, 0.8, 0: convex scores by hand.
        pytest.param("hybrid", retrieval.Fusion(method="convex", dense_weight=0.2), [2, 0, 1, 3], id="convex-0.2"),
        pytest.param("hybrid", retrieval.Fusion(method="convex", dense_weight=0.5), [2, 1, 0, 3], id="convex-0.5"),
        pytest.param("hybrid", retrieval.Fusion(method="convex", dense_weight=0.9), [1, 2, 0, 3], id="convex-0.9"),
        pytest.param("hybrid", retrieval.EQUAL_RRF, [2, 0, 1, 3], id="equal-rrf"),
        pytest.param("hybrid", retrieval.Fusion(method="rrf", dense_weight=0.9, rrf_k=1), [1, 2, 0, 3], id="rrf-dense"),
        pytest.param("hybrid", retrieval.Fusion(method="rerank", depth=10), [2, 0, 1, 3], id="rerank-bm25-top"),
    ],
)
def test_hybrid_search_fuses_the_two_rankings(mode: str, fusion: retrieval.Fusion, expected: list[int]) -> None:
    bm25, vectors = _hybrid_fixture()

    hits = retrieval.hybrid_search(
        bm25=bm25,
        vectors=vectors,
        query_terms=["moscow", "army"],
        query_vector=_unit(0, 1, 0),
        k=4,
        mode=mode,
        fusion=fusion,
    )

    assert [hit.position for hit in hits] == expected


def test_convex_fusion_is_the_weighted_sum_of_min_max_scaled_scores() -> None:
    bm25, vectors = _hybrid_fixture()
    lexical = bm25.scores(["moscow", "army"])

    hits = retrieval.hybrid_search(
        bm25=bm25,
        vectors=vectors,
        query_terms=["moscow", "army"],
        query_vector=_unit(0, 1, 0),
        k=4,
        fusion=retrieval.Fusion(method="convex", dense_weight=0.3),
    )

    cosine_scaled = {0: 0.0, 1: 1.0, 2: 0.8, 3: 0.0}
    expected = {p: 1 + 0.3 * cosine_scaled[p] + 0.7 * lexical[p] / lexical.max() for p in range(4)}
    assert {hit.position: hit.score for hit in hits} == pytest.approx(expected)


def test_min_max_scales_over_the_candidates_only() -> None:
    scaled = retrieval.min_max(np.array([5.0, 1.0, 3.0, 100.0]), np.array([0, 1, 2]))

    assert scaled.tolist() == [1.0, 0.0, 0.5, 0.0]
    assert retrieval.min_max(np.array([2.0, 2.0]), np.array([0, 1])).tolist() == [0.0, 0.0]


def test_weighted_rrf_weighs_each_ranking() -> None:
    fused = retrieval.reciprocal_rank_fusion([np.array([1]), np.array([0])], size=2, weights=[0.75, 0.25], k=10)

    assert fused == pytest.approx([0.25 / 11, 0.75 / 11])


def test_an_unknown_fusion_is_refused() -> None:
    bm25, vectors = _hybrid_fixture()

    with pytest.raises(ValueError, match="unknown fusion method"):
        retrieval.hybrid_search(
            bm25=bm25, vectors=vectors, query_terms=["army"], query_vector=_unit(0, 1, 0),
            fusion=retrieval.Fusion(method="vote"),
        )  # fmt: skip


def test_hybrid_search_keeps_to_the_mask() -> None:
    bm25, vectors = _hybrid_fixture()
    mask = np.array([True, False, False, True])

    hits = retrieval.hybrid_search(
        bm25=bm25, vectors=vectors, query_terms=["moscow"], query_vector=_unit(0, 1, 0), mask=mask
    )

    assert [hit.position for hit in hits] == [0, 3]


def test_terms_fold_accents_drop_stopwords_and_strip_suffixes() -> None:
    assert terms("The armies of Bézoukhov were crossing rivers, 1812!") == [
        "army",
        "bezoukhov",
        "cross",
        "river",
        "1812",
    ]


def test_sentence_spans_keep_quotes_and_abbreviations() -> None:
    text = 'He said: "Well, I see!" Then Mr. Smith left.\n\nA new part'

    assert [text[a:b] for a, b in sentence_spans(text)] == [
        'He said: "Well, I see!"',
        "Then Mr. Smith left.",
        "A new part",
    ]
