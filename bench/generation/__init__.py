"""Generation benchmark: quality of the offline engine's questions per type on real documents, and the time
for notes and a 10-question quiz per 10 pages next to the extraction time of the same document in the run.

    .venv/bin/python -m bench generation                       (the test corpus: every document below)
    .venv/bin/python -m bench generation -- --corpus DIR       (DIR's copies of the paper, manual and novel first)

Extraction is the real path (upload service -> extraction job, eager, SQLite in a throwaway DATA_DIR); notes
and questions are generated from the stored chunks exactly as the notes and quiz jobs do, notes first, then
the quiz in the same process (it reuses the windows' analysis the notes made, as in a worker that runs both
jobs); the quiz is then timed again from nothing (analysis and embedding caches emptied: a quiz job in a
process that did not write the notes). Quality checks are mechanical (see ``check``); results also go to
bench/results/generation.json.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.stages import extraction_only

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
#: (label, file name, where it is looked up: "tests" or "extra", bytes of a text file to keep)
DOCUMENTS = [
    ("textbook page", "issue-598-example.pdf", "tests", None),
    ("encyclopedic article (15-page PDF)", "norwich-city.txt", "article", None),
    ("Word export", "word365_structure.pdf", "tests", None),
    ("French transport plan (65 p.)", "chelsea_pdta.pdf", "tests", None),
    ("paper", "layout-parser-paper-fast.pdf", "extra", None),
    ("long manual (619 p.)", "DA-619p.pdf", "extra", None),
    ("novel (first 400 KB)", "book-war-and-peace-1225p.txt", "extra", 400_000),
]


def _setup(data_dir: str) -> None:
    for name in ("DATABASE_URL", "S3_BUCKET", "KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        DATA_DIR=data_dir,
        DJANGO_SETTINGS_MODULE="learning_platform.settings.test",
        EVENTBUS_TRANSPORT="inprocess",
        LOG_LEVEL="ERROR",
        NOTES_ON_DOCUMENT_PROCESSED="false",  # notes are timed here, not inside the extraction
        GENERATION_PROVIDER="offline",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    extraction_only()  # chat indexing (and notes) would otherwise run inside the timed extraction
    _warm_up()


def _warm_up() -> None:
    """Imports and first calls (yake, summa, regexes, the MiniLM session) are paid once per worker process,
    not per document."""
    from apps.generation import GenerationConfig, Passage, embeddings, generate_notes, generate_questions

    embeddings.embed(["warm up the embedding model"])

    text = "Photosynthesis is the process that turns light into chemical energy. " * 8
    passages = [Passage(0, 1, 0, len(text), text)]
    generate_notes(passages, config=GenerationConfig())
    generate_questions(passages, count=2, types=[], difficulty="medium", config=GenerationConfig())


def _content(kind: str, name: str, extra: Path | None, keep: int | None) -> tuple[bytes, str] | None:
    if kind == "article":
        from tests.fixtures.documents import article_pdf

        return article_pdf(), "article.pdf"
    # The test corpus holds every document (the paper, the whole manual, the whole novel); --corpus DIR may
    # offer other copies, which are looked up first.
    folders = [CORPUS] if kind == "tests" else [folder for folder in (extra, CORPUS) if folder is not None]
    found = next((folder / name for folder in folders if (folder / name).exists()), None)
    if found is None:
        return None
    content = found.read_bytes()
    return (content[:keep] if keep else content), name


def _extract(content: bytes, name: str) -> tuple[int, float]:
    from django.core.files.base import ContentFile
    from django.db import transaction

    from apps.documents import services
    from tests.factories import UserFactory

    owner: Any = UserFactory()
    started = time.perf_counter()
    with transaction.atomic():
        document = services.document_upload(
            owner_id=owner.pk, file=ContentFile(content), file_name=name, size=len(content)
        )
    # The in-process bus and the eager job ran on commit: the document is extracted now.
    return document.pk, time.perf_counter() - started


def _passages(document_id: int) -> tuple[list[Any], int, str]:
    from apps.documents import selectors
    from apps.documents.models import Document
    from apps.generation import Passage

    document = Document.objects.get(pk=document_id)
    chunks = selectors.document_chunks(owner_id=document.owner_id, document_id=document_id)
    passages = [Passage(c.index, c.page_number, c.char_start, c.char_end, c.text) for c in chunks]
    return passages, document.page_count or 0, document.status


def check(question: Any, passages: dict[int, Any]) -> dict[str, bool]:
    """Mechanical checks of one question against the chunk it cites."""
    from apps.generation.providers import supported
    from apps.generation.questions import BLANK, count_in
    from apps.generation.text import clean, normalise

    def within(phrase: str, text: str) -> bool:
        return f" {normalise(phrase)} " in f" {normalise(text)} "

    chunk = clean(passages[question.citation.chunk].text)
    cites = within(question.passage, chunk)
    if question.type == "true_false":
        statement = question.stem.removeprefix("True or false? ")
        changed = normalise(statement) != normalise(question.passage)
        answer_ok = cites and (changed if question.answer == "False" else not changed)
        gives_away = " not " in f" {statement} " and " not " not in f" {question.passage} "
    elif question.type == "short_answer" and len(question.answer.split()) > 3:
        answer_ok = cites and supported(question.answer, question.passage)
        gives_away = count_in(question.stem, question.answer) > 0
    else:
        answer_ok = cites and within(question.answer, question.passage)
        gives_away = within(question.answer, question.stem.replace(BLANK, " "))
    options_distinct = len({normalise(o) for o in question.options}) == len(question.options)
    if question.type == "multiple_choice":
        options_distinct = options_distinct and len(question.options) >= 4
    return {"supported": answer_ok, "not_given_away": not gives_away, "options_distinct": options_distinct}


def _duplicates(questions: list[Any]) -> int:
    from apps.generation.text import content_words, normalise

    pairs = 0
    for i, a in enumerate(questions):
        for b in questions[i + 1 :]:
            wa, wb = set(content_words(a.stem)), set(content_words(b.stem))
            same_answer = a.type != "true_false" and normalise(a.answer) == normalise(b.answer)
            if a.passage == b.passage or same_answer or (wa and wb and len(wa & wb) / len(wa | wb) >= 0.6):
                pairs += 1
    return pairs


def notes_then_quiz(
    passages: list[Any], *, page_count: int, clock: Callable[[], float] = time.perf_counter
) -> tuple[Any, Any, float, float]:
    """Notes, then a 10-question mixed quiz, as the jobs make them, each timed by ``clock``: the notes, the quiz,
    and their seconds."""
    from apps.generation import GenerationConfig, generate_notes, generate_questions

    config = GenerationConfig()
    started = clock()
    notes = generate_notes(passages, config=config)
    notes_seconds = clock() - started
    started = clock()
    quiz = generate_questions(passages, count=10, types=[], difficulty="medium", config=config, page_count=page_count)
    return notes, quiz, notes_seconds, clock() - started


def run_document(label: str, content: bytes, name: str, max_pages: int) -> dict[str, Any]:
    from apps.generation import GenerationConfig, analysis, embeddings, generate_questions

    document_id, extract_seconds = _extract(content, name)
    passages, pages, status = _passages(document_id)
    if status != "processed" or not passages:
        return {"document": label, "status": status}
    used = [p for p in passages if p.page <= max_pages]
    used_pages = len({p.page for p in used})
    config = GenerationConfig()
    notes, result, notes_seconds, quiz_seconds = notes_then_quiz(used, page_count=used_pages)
    analysis.clear_cache()
    embeddings.clear_cache()
    started = time.perf_counter()
    cold = generate_questions(used, count=10, types=[], difficulty="medium", config=config, page_count=used_pages)
    cold_seconds = time.perf_counter() - started
    by_chunk = {p.chunk: p for p in used}
    per_type: dict[str, list[dict[str, bool]]] = defaultdict(list)
    for question in result.questions:
        per_type[question.type].append(check(question, by_chunk))
    per_ten = 10 / max(1, used_pages)
    return {
        "document": label,
        "pages": pages,
        "pages_generated_from": used_pages,
        "extract_s_per_10_pages": round(extract_seconds * 10 / max(1, pages), 3),
        "notes_s_per_10_pages": round(notes_seconds * per_ten, 3),
        "quiz_s_per_10_pages": round(quiz_seconds * per_ten, 3),
        "cold_quiz_s_per_10_pages": round(cold_seconds * per_ten, 3),
        "same_quiz_alone": cold.questions == result.questions,  # the caches change the time, not the quiz
        "questions": len(result.questions),
        "types": sorted(per_type),
        "duplicates": _duplicates(result.questions),
        "summary": len(notes.summary),
        "glossary": len(notes.glossary),
        "outline": len(notes.outline),
        "checks": {
            kind: {name: sum(c[name] for c in checks) for name in checks[0]} | {"n": len(checks)}
            for kind, checks in per_type.items()
        },
    }


def _share(rows: list[dict[str, Any]], kind: str, name: str) -> str:
    n = sum(r["checks"].get(kind, {}).get("n", 0) for r in rows if "checks" in r)
    ok = sum(r["checks"].get(kind, {}).get(name, 0) for r in rows if "checks" in r)
    return f"{100 * ok / n:.0f} % ({ok}/{n})" if n else "-"


def report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| document | pages (generated from) | extraction s / 10 p. | notes s / 10 p. | quiz (10 q.) s / 10 p. | "
        "(notes + quiz) / extraction | quiz alone s / 10 p. | (notes + quiz alone) / extraction | questions | "
        "types | duplicates |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "checks" not in r:
            lines.append(f"| {r['document']} | - | - | - | - | - | - | - | {r['status']} | - | - |")
            continue
        extraction = max(1e-9, r["extract_s_per_10_pages"])
        ratio = (r["notes_s_per_10_pages"] + r["quiz_s_per_10_pages"]) / extraction
        cold = (r["notes_s_per_10_pages"] + r["cold_quiz_s_per_10_pages"]) / extraction
        lines.append(
            f"| {r['document']} | {r['pages']} ({r['pages_generated_from']}) | {r['extract_s_per_10_pages']} | "
            f"{r['notes_s_per_10_pages']} | {r['quiz_s_per_10_pages']} | {ratio:.1f}x | "
            f"{r['cold_quiz_s_per_10_pages']} | {cold:.1f}x | {r['questions']} | {len(r['types'])} | "
            f"{r['duplicates']} |"
        )
    made = [r for r in rows if "checks" in r]
    same = sum(r["same_quiz_alone"] for r in made)
    lines += ["", f"The quiz made alone is the same as the one made after the notes: {same}/{len(made)} documents."]
    lines += [
        "",
        "| type | answer supported by the cited passage | stem does not give it away | options distinct |",
        "|---|---|---|---|",
    ]
    for kind in ("multiple_choice", "true_false", "cloze", "short_answer"):
        lines.append(
            f"| {kind} | {_share(rows, kind, 'supported')} | {_share(rows, kind, 'not_given_away')} | "
            f"{_share(rows, kind, 'options_distinct')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench generation")
    parser.add_argument("--corpus", type=Path, help="a folder with other copies of the paper, manual and novel")
    parser.add_argument("--max-pages", type=int, default=100, help="pages of a long document generated from")
    parser.add_argument("--quick", action="store_true", help="the test corpus's first two documents only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-generation-") as data_dir:
        _setup(data_dir)
        rows = []
        for label, name, kind, keep in DOCUMENTS[: 2 if args.quick else None]:
            found = _content(kind, name, args.corpus, keep)
            if found is None:
                print(f"skipped {label}: {name} not found", flush=True)
                continue
            row = run_document(label, *found, max_pages=args.max_pages)
            print(json.dumps(row), flush=True)
            rows.append(row)
    text = report(rows)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "generation.json").write_text(json.dumps({"rows": rows, "table": text}, indent=2))
    mean_ratio = (
        statistics.fmean(
            (r["notes_s_per_10_pages"] + r["quiz_s_per_10_pages"]) / max(1e-9, r["extract_s_per_10_pages"])
            for r in rows
            if "checks" in r
        )
        if rows
        else 0.0
    )
    print(f"mean (notes + quiz) / extraction: {mean_ratio:.1f}x")
    return 0
