"""Fusion tuning on a reduced haystack, for when embedding the whole book again is too slow:

    .venv/bin/python -m bench.chat.haystack [--book PATH] [--max-chunks 8600] [--chunks 2000] [--seed 11]

The book is chunked by the real upload and extraction path, as in ``bench chat``. Chat's indexing job is left
without embeddings there: ``_embed_uncached`` returns zero vectors while the upload runs. The haystack keeps
every chunk that answers a question of ``questions.json`` plus a seeded random sample of the other chunks, up
to ``--chunks``. Only those are embedded. The evaluation and the ``--tune`` grid are the benchmark's
(``evaluate.py``), and the results go to bench/results/chat-haystack.json. A smaller haystack raises every
method's recall; what this measures is the comparison between methods (ADR 0021).
"""

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.chat import BOOK, ROOT, _django


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.chat.haystack", description=__doc__)
    parser.add_argument("--book", default=str(BOOK))
    parser.add_argument("--chunk-chars", type=int, default=320)
    parser.add_argument("--overlap", type=int, default=40)
    parser.add_argument("--max-chunks", type=int, default=8600)
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    text = Path(args.book).read_text(encoding="utf-8")[: args.max_chunks * (args.chunk_chars - args.overlap)]
    with tempfile.TemporaryDirectory() as data_dir:
        _django(data_dir, args.chunk_chars, args.overlap)
        summary = run(text, args)
    print(json.dumps(summary["best"], indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "chat-haystack.json").write_text(json.dumps(summary, indent=2))
    return 0


def run(text: str, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from apps.chat import index, retrieval
    from apps.chat.text import terms
    from apps.documents.services import document_create_from_text
    from apps.generation import embeddings
    from bench.chat import evaluate
    from tests.factories import make_user

    learner = make_user()
    embed = embeddings._embed_uncached
    embeddings._embed_uncached = lambda texts: np.zeros((len(texts), embeddings.DIMENSIONS), dtype=np.float32)
    try:
        document_create_from_text(owner_id=learner.pk, title="Book", text=text, source_kind="text")
    finally:
        embeddings._embed_uncached = embed
    texts = [p.text for p in index.learner_index(learner.pk).passages]
    questions = evaluate.load_questions()
    truth = evaluate.labels(questions, texts)
    labelled = set().union(*truth)
    others = [i for i in range(len(texts)) if i not in labelled]
    kept = sorted(labelled | set(random.Random(args.seed).sample(others, max(0, args.chunks - len(labelled)))))
    position = {old: new for new, old in enumerate(kept)}
    truth = [{position[i] for i in found} for found in truth]
    haystack = [texts[i] for i in kept]
    space = evaluate.Space(
        retrieval.Bm25([terms(t) for t in haystack]),
        embed(haystack),
        [terms(q.text) for q in questions],
        embed([q.text for q in questions]),
    )
    variants = {
        "hybrid": evaluate.Variant(),
        "exact": evaluate.Variant(depth=0),
        "bm25": evaluate.Variant(mode="bm25"),
        "dense": evaluate.Variant(mode="dense"),
        "equal_rrf_adr_0016": evaluate.Variant(fusion=retrieval.EQUAL_RRF),
    }
    tuning = evaluate.tune(questions, truth, space)
    return {
        "book_chunks": len(texts),
        "haystack_chunks": len(haystack),
        "fusion": evaluate.describe(retrieval.DEFAULT_FUSION),
        "recall_at_5": {
            name: evaluate.recall(questions, truth, evaluate.found_positions(variant, space))
            for name, variant in variants.items()
        },
        "best": tuning["best"],
        "tuning": tuning,
    }


if __name__ == "__main__":
    sys.exit(main())
