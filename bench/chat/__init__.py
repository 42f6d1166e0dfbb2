"""Chat benchmark: retrieval quality and speed on a long book, through the real indexing job.

    .venv/bin/python -m bench chat [-- --quick] [--book PATH] [--max-chunks N] [--clients 100] [--no-loopback] [--tune]

With no argument it runs the reported configuration: the whole of War and Peace committed in
``tests/fixtures/corpus`` cut to ``--max-chunks 8600`` (about 10,000 chunks), 100 websocket clients over
TCP to a daphne process, latency and clients measured three times. ``--quick`` cuts the book to 1,200 chunks
and measures once with 20 clients (a smoke run; its figures are not the report's).

The book (a long plain-text novel, e.g. War and Peace from Project Gutenberg) is uploaded as a text document
for one learner with small chunks (``--chunk-chars``), extracted and indexed by the real jobs (eager Celery,
in-process bus, SQLite in a throwaway DATA_DIR). Labelled questions come from ``questions.json`` (next to this
file): two sets, each question labelled with an anchor (a quoted span of the book); the chunks containing the
anchor are the answer.

- ``paraphrased``: written by hand in other words than the passage (synonyms, reordered, paraphrased);
- ``word_dropped``: a sentence of a random chunk with every third word dropped (made by ``--write-word-dropped``
  from the book with a fixed seed), which shares its rare words with the passage and so favours BM25.

Each set is split in halves by position (even: dev, odd: held out). Reported: recall@5 of our hybrid
retrieval, of exact fusion of the complete rankings, of BM25 alone, dense alone and the equal-weight RRF of
ADR 0016, per set and half; answer latency (retrieval + extractive answer) p50/p95 for ours and the exact
fusion, each next to a bare baseline measured question by question in turn (the question's embedding and a
numpy dense top 5, what a raw client of the model does); indexing throughput of the job next to bare
embedding of a sample of the same chunks; and concurrent websocket clients that each ask one question, next
to the same questions answered one after another in-process just before (``seconds_over_serial``).
``--tune`` also searches fusion settings on the dev halves (ADR 0021). Results also go to bench/results/chat.json.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "tests" / "fixtures" / "corpus" / "book-war-and-peace-1225p.txt"


def _django(data_dir: str, chunk_chars: int, overlap: int) -> None:
    for name in ("DATABASE_URL", "S3_BUCKET", "KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        DATA_DIR=data_dir,
        DJANGO_SETTINGS_MODULE="learning_platform.settings.test",
        EVENTBUS_TRANSPORT="inprocess",
        LOG_LEVEL="ERROR",
        DOCUMENTS_CHUNK_CHARS=str(chunk_chars),
        DOCUMENTS_CHUNK_OVERLAP=str(overlap),
        DOCUMENTS_MAX_UPLOAD_BYTES=str(64 * 1024 * 1024),
        CHAT_MESSAGES_PER_MINUTE="100000",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench chat", description=__doc__)
    parser.add_argument("--book", default=str(BOOK), help="a long plain-text book (default: War and Peace)")
    parser.add_argument("--quick", action="store_true", help="1,200 chunks, one round, 20 clients (smoke run)")
    parser.add_argument("--chunk-chars", type=int, default=320)
    parser.add_argument("--overlap", type=int, default=40)
    parser.add_argument("--max-chunks", type=int, default=8600, help="cut the book to about this many chunks (0: all)")
    parser.add_argument("--pairs", type=int, default=200, help="word-dropped questions made by --write-word-dropped")
    parser.add_argument(
        "--write-word-dropped",
        action="store_true",
        help="remake the word_dropped set of questions.json from the indexed book, then stop",
    )
    parser.add_argument("--tune", action="store_true", help="also search fusion settings on the dev halves")
    parser.add_argument(
        "--repeat", type=int, default=3, help="measure latency and the websocket clients this many times (spreads)"
    )
    parser.add_argument("--bare-sample", type=int, default=200, help="chunks embedded bare for the comparison")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument(
        "--loopback",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="clients over TCP to a daphne web process (--no-loopback: in-process)",
    )
    args = parser.parse_args()
    if args.quick:
        args.max_chunks, args.repeat, args.clients, args.bare_sample = 1200, 1, 20, 100

    text = Path(args.book).read_text(encoding="utf-8")
    if args.max_chunks:
        text = text[: args.max_chunks * (args.chunk_chars - args.overlap)]
    with tempfile.TemporaryDirectory() as data_dir:
        _django(data_dir, args.chunk_chars, args.overlap)
        summary = run(text, args)
    print(json.dumps(summary, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "chat.json").write_text(json.dumps(summary, indent=2))
    return 0


def run(text: str, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from apps.chat import index, retrieval, services
    from apps.chat.text import terms
    from apps.documents.services import document_create_from_text
    from apps.generation import embeddings
    from apps.jobs.models import Job
    from bench.chat import evaluate
    from tests.factories import make_user

    learner = make_user()
    embeddings.embed(["warm up the model"])
    started = time.monotonic()
    document = document_create_from_text(owner_id=learner.pk, title="Book", text=text, source_kind="text")
    pipeline_seconds = time.monotonic() - started
    job = Job.objects.get(kind=services.INDEX_JOB)
    assert job.status == "succeeded", (job.status, job.last_error if hasattr(job, "last_error") else "")
    assert job.started_at is not None
    assert job.finished_at is not None
    index_seconds = (job.finished_at - job.started_at).total_seconds()
    loaded = index.learner_index(learner.pk)
    chunk_count = len(loaded.passages)

    sample = [p.text for p in loaded.passages[: args.bare_sample]]
    started = time.monotonic()
    embeddings._embed_uncached(sample)
    bare_rate = len(sample) / (time.monotonic() - started)

    texts = [p.text for p in loaded.passages]
    if args.write_word_dropped:
        data = json.loads(evaluate.QUESTIONS.read_text(encoding="utf-8"))
        data["word_dropped"] = evaluate.word_dropped(texts, args.pairs)
        evaluate.QUESTIONS.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return {"word_dropped_written": len(data["word_dropped"])}
    questions = evaluate.load_questions()
    truth = evaluate.labels(questions, texts)
    unlabelled = [q.id for q, found in zip(questions, truth, strict=True) if not found]
    query_terms = [terms(q.text) for q in questions]
    query_vectors = embeddings._embed_uncached([q.text for q in questions])
    variants = {
        "hybrid": evaluate.Variant(),
        "exact": evaluate.Variant(depth=0),
        "bm25": evaluate.Variant(mode="bm25"),
        "dense": evaluate.Variant(mode="dense"),
        "equal_rrf_adr_0016": evaluate.Variant(fusion=retrieval.EQUAL_RRF),
    }
    space = evaluate.Space(loaded.bm25, loaded.vectors, query_terms, query_vectors)
    recall = {
        name: evaluate.recall(questions, truth, evaluate.found_positions(variant, space))
        for name, variant in variants.items()
    }
    latency_runs = [
        _latency(questions, loaded, {name: variants[name] for name in ("hybrid", "exact")}) for _ in range(args.repeat)
    ]
    tuning = evaluate.tune(questions, truth, space) if args.tune else None

    started = time.monotonic()
    for _ in range(20):
        loaded.vectors @ np.ones(embeddings.DIMENSIONS, dtype=np.float32)
    matmul_ms = (time.monotonic() - started) / 20 * 1000

    clients = []
    if args.clients:
        run_clients = _loopback_clients if args.loopback else _clients
        asked = [questions[n % len(questions)].text for n in range(args.clients)]
        for _ in range(args.repeat):
            serial = _serial_seconds(asked, loaded)
            outcome = asyncio.run(run_clients(learner, [q.text for q in questions], args.clients))
            outcome["serial_in_process_seconds"] = round(serial, 1)
            outcome["seconds_over_serial"] = round(outcome["seconds"] / serial, 2)
            clients.append(outcome)
    return {
        "chunks": chunk_count,
        "chunk_chars": args.chunk_chars,
        "document_id": document.pk,
        "questions": {name: sum(q.set == name for q in questions) for name in evaluate.SETS},
        "unlabelled_questions": unlabelled,
        "fusion": evaluate.describe(retrieval.DEFAULT_FUSION),
        "recall_at_5": recall,
        "hybrid_vs_exact": round(recall["hybrid"]["all"]["combined"] / recall["exact"]["all"]["combined"], 3),
        "answer_latency_ms": latency_runs,
        "index_job_seconds": round(index_seconds, 1),
        "index_chunks_per_second": round(chunk_count / index_seconds, 1),
        "bare_embedding_chunks_per_second": round(bare_rate, 1),
        "upload_to_indexed_seconds": round(pipeline_seconds, 1),
        "dense_scan_ms": round(matmul_ms, 2),
        "websocket_clients": clients,
        "tuning": tuning,
    }


def _answer_seconds(question: str, loaded: Any, variant: Any) -> float:
    """One question answered in-process: its embedding, the retrieval ``variant`` and the extractive answer."""
    from django.conf import settings

    from apps.chat import retrieval
    from apps.chat.answers import build_answer
    from apps.chat.text import terms
    from apps.generation import embeddings

    started = time.monotonic()
    vector = embeddings._embed_uncached([question])[0]
    found = retrieval.hybrid_search(
        bm25=loaded.bm25, vectors=loaded.vectors, query_terms=terms(question), query_vector=vector,
        k=5, depth=variant.depth, mode=variant.mode, fusion=variant.fusion,
    )  # fmt: skip
    passages = [loaded.passages[h.position] for h in found]
    build_answer(question=question, passages=passages, min_similarity=settings.CHAT_MIN_SIMILARITY)
    return time.monotonic() - started


def _bare_seconds(question: str, loaded: Any) -> float:
    """The baseline: what a raw client of the model does for one question, the question's embedding and a dense
    top 5 over the same matrix (numpy), with no BM25, no fusion and no answer."""
    import numpy as np

    from apps.generation import embeddings

    started = time.monotonic()
    vector = embeddings._embed_uncached([question])[0]
    scores = loaded.vectors @ vector
    top = np.argpartition(-scores, 5)[:5]
    top[np.argsort(-scores[top])]
    return time.monotonic() - started


def _latency(questions: list[Any], loaded: Any, variants: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Answer latency per variant (question embedding + retrieval + extractive answer) next to the bare baseline
    (``_bare_seconds``), each question measured on every side in turn; p50 and p95 in ms, and ours / bare."""
    latency: dict[str, list[float]] = {"bare": [], **{name: [] for name in variants}}
    for question in questions:
        latency["bare"].append(_bare_seconds(question.text, loaded) * 1000)
        for name, variant in variants.items():
            latency[name].append(_answer_seconds(question.text, loaded, variant) * 1000)
    summary: dict[str, dict[str, float]] = {
        name: {"p50": round(_percentile(v, 0.5), 1), "p95": round(_percentile(v, 0.95), 1)}
        for name, v in latency.items()
    }
    for name in variants:
        for q in ("p50", "p95"):
            summary[name][f"{q}_over_bare"] = round(summary[name][q] / summary["bare"][q], 2)
    return summary


def _serial_seconds(questions: list[str], loaded: Any) -> float:
    """The clients' baseline, measured just before them: the same questions answered one after another
    in-process by the same retrieval and answer (no socket, no database, no server)."""
    from bench.chat import evaluate

    return sum(_answer_seconds(question, loaded, evaluate.Variant()) for question in questions)


async def _clients(learner: Any, questions: list[str], count: int) -> dict[str, Any]:
    """``count`` sockets open at once, each asks one question; counts complete answers and errors."""
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.chat import services
    from learning_platform.asgi import application

    session = await database_sync_to_async(services.session_create)(owner_id=learner.pk)
    token = str(AccessToken.for_user(learner))
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1")]

    async def one(number: int) -> tuple[bool, float]:
        socket = WebsocketCommunicator(
            application, f"/ws/chat/{session.pk}/", headers=headers, subprotocols=["bearer", token]
        )
        connected, _ = await socket.connect(timeout=60)
        if not connected:
            return False, 0.0
        await socket.receive_json_from(timeout=60)
        started = time.monotonic()
        await socket.send_json_to({"type": "question", "text": questions[number % len(questions)]})
        ok = False
        while True:
            frame = await socket.receive_json_from(timeout=300)
            if frame["event"] in ("answer.final", "error"):
                ok = frame["event"] == "answer.final"
                break
        await socket.disconnect()
        return ok, time.monotonic() - started

    started = time.monotonic()
    outcomes = await asyncio.gather(*(one(n) for n in range(count)), return_exceptions=True)
    elapsed = time.monotonic() - started
    answered = [o for o in outcomes if isinstance(o, tuple) and o[0]]
    waits = [o[1] * 1000 for o in answered]
    return {
        "clients": count,
        "answered": len(answered),
        "errors": count - len(answered),
        "seconds": round(elapsed, 1),
        "answer_wait_ms_p50": round(_percentile(waits, 0.5), 1) if waits else None,
        "answer_wait_ms_p95": round(_percentile(waits, 0.95), 1) if waits else None,
    }


async def _loopback_clients(learner: Any, questions: list[str], count: int) -> dict[str, Any]:
    """Like ``_clients``, over TCP: a daphne web process on loopback, ``count`` websockets clients at once."""
    import socket
    import subprocess

    import websockets
    from channels.db import database_sync_to_async
    from rest_framework_simplejwt.tokens import AccessToken
    from websockets.typing import Origin, Subprotocol

    from apps.chat import services

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "learning_platform.asgi:application"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        session = await database_sync_to_async(services.session_create)(owner_id=learner.pk)
        token = str(AccessToken.for_user(learner))
        url = f"ws://127.0.0.1:{port}/ws/chat/{session.pk}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.3)

        async def one(number: int) -> tuple[bool, float]:
            async with websockets.connect(
                url,
                subprotocols=[Subprotocol("bearer"), Subprotocol(token)],
                origin=Origin("http://127.0.0.1:8000"),
                open_timeout=60,
            ) as ws:
                json.loads(await asyncio.wait_for(ws.recv(), 60))
                started = time.monotonic()
                await ws.send(json.dumps({"type": "question", "text": questions[number % len(questions)]}))
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 300))
                    if frame["event"] in ("answer.final", "error"):
                        return frame["event"] == "answer.final", time.monotonic() - started

        started = time.monotonic()
        outcomes = await asyncio.gather(*(one(n) for n in range(count)), return_exceptions=True)
        elapsed = time.monotonic() - started
    finally:
        web.terminate()
        web.wait(timeout=30)
    answered = [o for o in outcomes if isinstance(o, tuple) and o[0]]
    waits = [o[1] * 1000 for o in answered]
    failures = sorted({type(o).__name__ for o in outcomes if isinstance(o, BaseException)})
    return {
        "transport": "loopback TCP, daphne",
        "clients": count,
        "answered": len(answered),
        "errors": count - len(answered),
        "error_kinds": failures,
        "seconds": round(elapsed, 1),
        "answer_wait_ms_p50": round(_percentile(waits, 0.5), 1) if waits else None,
        "answer_wait_ms_p95": round(_percentile(waits, 0.95), 1) if waits else None,
    }


if __name__ == "__main__":
    sys.exit(main())
