"""The chat benchmark's labelled questions and recall figures: pure functions over an index's chunk texts,
its BM25 and vectors (no Django), so the same code scores the benchmark run and a fusion search.

``questions.json`` holds two sets of questions, each labelled with an anchor (a quoted span of the book): the
chunks whose text contains the anchor are the answer. Each set is split in halves by position: even positions
are the dev half (fusion settings are chosen on it), odd positions the held-out half (reported only).
"""

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from apps.chat import retrieval
from apps.chat.text import sentence_spans

QUESTIONS = Path(__file__).with_name("questions.json")
SETS = ("paraphrased", "word_dropped")
SPLITS = ("dev", "held_out")


@dataclass(frozen=True)
class Question:
    id: str
    set: str
    text: str
    anchor: str
    split: str


def normalise(text: str) -> str:
    return " ".join(text.split())


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    data = json.loads(path.read_text(encoding="utf-8"))
    questions = []
    for name in SETS:
        for position, item in enumerate(data[name]):
            split = SPLITS[position % 2]
            questions.append(Question(item["id"], name, item["question"], normalise(item["anchor"]), split))
    return questions


def labels(questions: Sequence[Question], texts: Sequence[str]) -> list[set[int]]:
    """Per question, the positions of the chunks that contain its anchor. An anchor that straddles two chunks
    (none contains it whole) is found by its first or last half."""
    normalised = [normalise(text) for text in texts]
    found: list[set[int]] = []
    for question in questions:
        hits = {i for i, text in enumerate(normalised) if question.anchor in text}
        if not hits:
            words = question.anchor.split()
            half = max(1, (len(words) + 1) // 2)
            head, tail = " ".join(words[:half]), " ".join(words[-half:])
            hits = {i for i, text in enumerate(normalised) if head in text or tail in text}
        found.append(hits)
    return found


def word_dropped(texts: Sequence[str], count: int, seed: int = 7) -> list[dict[str, str]]:
    """Questions made from the text itself: a random chunk's sentence of 10-40 words with every third word
    dropped; the sentence is the anchor."""
    rng = random.Random(seed)
    made: list[dict[str, str]] = []
    attempts = 0
    while len(made) < count and attempts < count * 50:
        attempts += 1
        text = texts[rng.randrange(len(texts))]
        sentences = [normalise(text[a:b]) for a, b in sentence_spans(text)]
        sentences = [s for s in sentences if 10 <= len(s.split()) <= 40]
        if not sentences:
            continue
        sentence = rng.choice(sentences)
        question = " ".join(word for i, word in enumerate(sentence.split()) if i % 3 != 2)
        made.append({"id": f"w{len(made) + 1:03d}", "question": question, "anchor": sentence})
    return made


@dataclass(frozen=True)
class Variant:
    """One way to retrieve: a mode of ``hybrid_search`` with its fusion and depth."""

    mode: str = "hybrid"
    fusion: retrieval.Fusion = retrieval.DEFAULT_FUSION
    depth: int | None = None


@dataclass(frozen=True)
class Space:
    """An index (BM25 and vectors) and the questions' terms and vectors, embedded once."""

    bm25: retrieval.Bm25
    vectors: np.ndarray
    query_terms: Sequence[Sequence[str]]
    query_vectors: np.ndarray


def found_positions(variant: Variant, space: Space, k: int = 5) -> list[set[int]]:
    return [
        {
            hit.position
            for hit in retrieval.hybrid_search(
                bm25=space.bm25,
                vectors=space.vectors,
                query_terms=terms,
                query_vector=space.query_vectors[row],
                k=k,
                mode=variant.mode,
                fusion=variant.fusion,
                depth=variant.depth,
            )
        }
        for row, terms in enumerate(space.query_terms)
    ]


def recall(questions: Sequence[Question], truth: Sequence[set[int]], found: Sequence[set[int]]) -> dict[str, Any]:
    """recall@k per set and half, both sets together (all questions alike) and the mean of the two sets."""

    def share(split: str, set_name: str | None) -> float | None:
        rows = [i for i, q in enumerate(questions) if split in ("all", q.split) and set_name in (None, q.set)]
        return round(sum(bool(truth[i] & found[i]) for i in rows) / len(rows), 3) if rows else None

    figures: dict[str, Any] = {}
    for split in (*SPLITS, "all"):
        in_split: dict[str, float | None] = {name: share(split, name) for name in SETS}
        in_split["combined"] = share(split, None)
        values = [in_split[name] for name in SETS]
        in_split["mean_of_sets"] = round(sum(v for v in values if v is not None) / len(SETS), 3)
        figures[split] = in_split
    return figures


def fusion_grid() -> list[retrieval.Fusion]:
    """The settings ``--tune`` tries: convex weights, weighted RRF (weights x constants), dense rerank depths."""
    grid = [retrieval.Fusion(method="convex", dense_weight=w / 20) for w in range(1, 20)]
    grid += [
        retrieval.Fusion(method="rrf", dense_weight=w / 10, rrf_k=k) for w in range(1, 10) for k in (10, 30, 60, 100)
    ]
    grid += [retrieval.Fusion(method="rerank", depth=depth) for depth in (10, 20, 50, 100, 200, 500)]
    return grid


def tune(questions: Sequence[Question], truth: Sequence[set[int]], space: Space) -> dict[str, Any]:
    """Every grid setting scored on the dev halves; the best by the mean of the two sets' dev recall (ties: the
    combined dev recall, then the grid's order), with its held-out figures."""
    tried = []
    for fusion in fusion_grid():
        found = found_positions(Variant(fusion=fusion), space)
        tried.append((fusion, recall(questions, truth, found)))
    best_fusion, best = max(tried, key=lambda item: (item[1]["dev"]["mean_of_sets"], item[1]["dev"]["combined"]))
    by_method: dict[str, Any] = {}
    for fusion, figures in tried:
        current = by_method.get(fusion.method)
        if current is None or figures["dev"]["mean_of_sets"] > current["recall"]["dev"]["mean_of_sets"]:
            by_method[fusion.method] = {"fusion": describe(fusion), "recall": figures}
    return {
        "tried": len(tried),
        "best": {"fusion": describe(best_fusion), "recall": best},
        "best_per_method": by_method,
        "all": [{"fusion": describe(f), "recall": r} for f, r in tried],
    }


def describe(fusion: retrieval.Fusion) -> str:
    if fusion.method == "convex":
        return f"convex, dense weight {fusion.dense_weight:g}"
    if fusion.method == "rrf":
        return f"rrf, dense weight {fusion.dense_weight:g}, k {fusion.rrf_k}, depth {fusion.depth}"
    return f"{fusion.method}, depth {fusion.depth}"
