"""Generation benchmark: quality of the offline engine's questions per type on real documents, and the time
for notes and a 10-question quiz per 10 pages next to the extraction time of the same document in the run.

    .venv/bin/python -m bench generation                       (the test corpus: every document below)
    .venv/bin/python -m bench generation -- --repeat 5         (repetitions per document, default 3)
    .venv/bin/python -m bench generation -- --corpus DIR       (DIR's copies of the paper, manual and novel first)

Extraction is the real path (upload service -> extraction job, eager, SQLite in a throwaway DATA_DIR); notes
and questions are generated from the stored chunks exactly as the notes and quiz jobs do, notes first, then
the quiz in the same process (it reuses the windows' analysis the notes made, as in a worker that runs both
jobs); the quiz is then timed again from nothing (a quiz job in a process that did not write the notes).
Quality checks are mechanical (see ``check``); results also go to bench/results/generation.json.

The process freezes the objects alive once Django is set up (``gc.freeze``), as a worker process does when
it starts (learning_platform/celery.py, ADR 0037). Each document is measured ``--repeat`` times in the run
(after one untimed extraction of it, which pays the worker's first calls for that kind of file), a
repetition being: the same content uploaded and extracted by a fresh learner, then the notes and quiz, then
the quiz alone. Before each generation every cache of the engine is emptied (:func:`forget`): every
repetition pays what the first did, so the repetitions are alike and the document order does not matter.
Each timed span starts after an untimed full garbage collection (ADR 0032 amendment). Each figure is the median of the
repetitions, with their range (the within-run spread). Both sides are timed with the same two clocks: CPU
seconds of the process and of the subprocesses it waited for (OCR's ``tesseract``), :func:`cpu_seconds`,
and wall seconds; the ratio the target is judged on is the CPU one, since on a shared machine wall time
also counts the time spent waiting for a core, which the other processes' load sets (see
docs/benchmarks.md, "Generation").
"""

import argparse
import gc
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

from bench.stages import cpu_seconds, extraction_only

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
    from learning_platform.celery import freeze_start_up_objects

    # What a worker process does once it has started (before its first job: the engine's libraries and
    # models, loaded by the warm-up below, stay with the collector, as they do in a worker).
    freeze_start_up_objects()
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


#: The two clocks every span is timed with, in this order: CPU seconds, wall seconds.
CLOCKS: tuple[Callable[[], float], ...] = (cpu_seconds, time.perf_counter)
CLOCK_NAMES = ("cpu", "wall")


def _now() -> tuple[float, ...]:
    return tuple(clock() for clock in CLOCKS)


def _since(started: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(clock() - at for clock, at in zip(CLOCKS, started, strict=True))


def forget() -> None:
    """Empties every cache of the generation engine (the window analyses, the embedded texts, and each
    ``functools`` cache of its modules: sentence checks, normalised text, stems): what a repetition
    generates is then paid in full, as the first repetition paid it. The imports, the model session and
    the warm-up stay: a worker pays those once, not per document."""
    for name, module in list(sys.modules.items()):
        if not (name == "apps.generation" or name.startswith("apps.generation.")) or module is None:
            continue
        for value in list(vars(module).values()):
            # Looked up on the type: a lazy object (Django's settings) would resolve itself on an instance lookup.
            if callable(getattr(type(value), "cache_clear", None)) and getattr(value, "__module__", None) == name:
                value.cache_clear()
        clear_cache = getattr(module, "clear_cache", None)
        if callable(clear_cache):
            clear_cache()


def _extract(content: bytes, name: str) -> tuple[int, tuple[float, ...]]:
    """Uploads ``content`` as a fresh learner (each upload a new owner: no limit or earlier copy is shared)
    and returns the document and the seconds (:data:`CLOCKS`) the upload and its extraction took."""
    from django.core.files.base import ContentFile
    from django.db import transaction

    from apps.documents import services
    from tests.factories import UserFactory

    owner: Any = UserFactory()
    gc.collect()  # see ``run_document``: a timed span starts with no garbage left by the one before
    started = _now()
    with transaction.atomic():
        document = services.document_upload(
            owner_id=owner.pk, file=ContentFile(content), file_name=name, size=len(content)
        )
    # The in-process bus and the eager job ran on commit: the document is extracted now.
    return document.pk, _since(started)


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
    passages: list[Any], *, page_count: int, clocks: tuple[Callable[[], float], ...] = (time.perf_counter,)
) -> tuple[Any, Any, tuple[float, ...], tuple[float, ...]]:
    """Notes, then a 10-question mixed quiz, as the jobs make them, each timed by every clock of ``clocks``:
    the notes, the quiz, and their seconds (one figure per clock)."""
    from apps.generation import GenerationConfig, generate_notes, generate_questions

    config = GenerationConfig()
    started = tuple(clock() for clock in clocks)
    notes = generate_notes(passages, config=config)
    notes_seconds = tuple(clock() - at for clock, at in zip(clocks, started, strict=True))
    started = tuple(clock() for clock in clocks)
    quiz = generate_questions(passages, count=10, types=[], difficulty="medium", config=config, page_count=page_count)
    return notes, quiz, notes_seconds, tuple(clock() - at for clock, at in zip(clocks, started, strict=True))


def _figure(values: list[float]) -> list[float]:
    """[median, lowest, highest] of a figure's repetitions."""
    return [round(statistics.median(values), 3), round(min(values), 3), round(max(values), 3)]


def run_document(label: str, content: bytes, name: str, max_pages: int, repeat: int = 3) -> dict[str, Any]:
    """``repeat`` repetitions of: extraction by a fresh learner, notes then quiz, the quiz alone (each
    generation after :func:`forget`). The quality checks read the first repetition's quiz; the others must
    be the same (the engine is deterministic). Each timed span starts after a full garbage collection,
    untimed: a span pays the collections its own objects cause, not one that what an earlier span left
    happens to start (a full collection walks every object not frozen, 35-50 ms, and fell in either side)."""
    from apps.generation import GenerationConfig, generate_questions

    config = GenerationConfig()
    spans: dict[str, list[tuple[float, ...]]] = defaultdict(list)
    outputs = []
    pages = used_pages = 0
    # One extraction of the content first, not timed: a worker's first PDF (or text file, or table, or scan)
    # pays imports and first calls (pdfplumber, PDFium's font cache, the OCR check) that the next ones do not,
    # which is what the generation's warm-up (``_setup``) leaves out of its side too.
    _extract(content, name)
    for _ in range(max(1, repeat)):
        document_id, extract_seconds = _extract(content, name)
        passages, pages, status = _passages(document_id)
        if status != "processed" or not passages:
            return {"document": label, "status": status}
        used = [p for p in passages if p.page <= max_pages]
        used_pages = len({p.page for p in used})
        forget()
        gc.collect()
        notes, result, notes_seconds, quiz_seconds = notes_then_quiz(used, page_count=used_pages, clocks=CLOCKS)
        forget()
        gc.collect()
        started = _now()
        cold = generate_questions(used, count=10, types=[], difficulty="medium", config=config, page_count=used_pages)
        spans["extract"].append(extract_seconds)
        spans["notes"].append(notes_seconds)
        spans["quiz"].append(quiz_seconds)
        spans["cold"].append(_since(started))
        outputs.append((notes, result.questions, cold.questions))
    notes, questions, _ = outputs[0]
    by_chunk = {p.chunk: p for p in used}
    per_type: dict[str, list[dict[str, bool]]] = defaultdict(list)
    for question in questions:
        per_type[question.type].append(check(question, by_chunk))
    extract_scale, per_ten = 10 / max(1, pages), 10 / max(1, used_pages)
    timings: dict[str, dict[str, list[float]]] = {}
    for c, clock in enumerate(CLOCK_NAMES):
        extract = [s[c] * extract_scale for s in spans["extract"]]
        notes_s = [s[c] * per_ten for s in spans["notes"]]
        quiz_s = [s[c] * per_ten for s in spans["quiz"]]
        cold_s = [s[c] * per_ten for s in spans["cold"]]
        timings[clock] = {
            "extract_s_per_10_pages": _figure(extract),
            "notes_s_per_10_pages": _figure(notes_s),
            "quiz_s_per_10_pages": _figure(quiz_s),
            "cold_quiz_s_per_10_pages": _figure(cold_s),
            # Each repetition's generation against its own extraction (taken a moment before, under the
            # same load), then the median of those ratios.
            "ratio": _figure([(n + q) / max(1e-9, e) for n, q, e in zip(notes_s, quiz_s, extract, strict=True)]),
            "ratio_quiz_alone": _figure(
                [(n + q) / max(1e-9, e) for n, q, e in zip(notes_s, cold_s, extract, strict=True)]
            ),
        }
    return {
        "document": label,
        "pages": pages,
        "pages_generated_from": used_pages,
        "repetitions": len(outputs),
        **timings,
        # The caches change the time, never the output: the quiz alone is the quiz made after the notes, and
        # every repetition made the same notes and questions.
        "same_quiz_alone": all(after == alone for _, after, alone in outputs),
        "same_every_repetition": all(o[:2] == outputs[0][:2] for o in outputs),
        "questions": len(questions),
        "types": sorted(per_type),
        "duplicates": _duplicates(questions),
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


def _seconds(figure: list[float]) -> str:
    median, low, high = figure
    return f"{median:.3f} ({low:.3f}-{high:.3f})"


def _ratio(figure: list[float]) -> str:
    median, low, high = figure
    return f"{median:.1f}x ({low:.1f}-{high:.1f})"


def report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "Median of the repetitions (lowest-highest); seconds per 10 pages; CPU: process and subprocesses.",
        "",
        "| document | pages (generated from) | extraction CPU s | notes CPU s | quiz (10 q.) CPU s | "
        "(notes + quiz) / extraction, CPU | same, wall clock | (notes + quiz alone) / extraction, CPU | "
        "questions | types | duplicates |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "checks" not in r:
            lines.append(f"| {r['document']} | - | - | - | - | - | - | - | {r['status']} | - | - |")
            continue
        cpu, wall = r["cpu"], r["wall"]
        lines.append(
            f"| {r['document']} | {r['pages']} ({r['pages_generated_from']}) | "
            f"{_seconds(cpu['extract_s_per_10_pages'])} | {_seconds(cpu['notes_s_per_10_pages'])} | "
            f"{_seconds(cpu['quiz_s_per_10_pages'])} | {_ratio(cpu['ratio'])} | {_ratio(wall['ratio'])} | "
            f"{_ratio(cpu['ratio_quiz_alone'])} | {r['questions']} | {len(r['types'])} | {r['duplicates']} |"
        )
    made = [r for r in rows if "checks" in r]
    same = sum(r["same_quiz_alone"] for r in made)
    alike = sum(r["same_every_repetition"] for r in made)
    lines += [
        "",
        f"The quiz made alone is the same as the one made after the notes: {same}/{len(made)} documents; "
        f"every repetition made the same notes and quiz: {alike}/{len(made)} documents.",
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
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per document (each figure: their median)")
    args = parser.parse_args(argv)
    load = [os.getloadavg()]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-generation-") as data_dir:
        _setup(data_dir)
        rows = []
        for label, name, kind, keep in DOCUMENTS[: 2 if args.quick else None]:
            found = _content(kind, name, args.corpus, keep)
            if found is None:
                print(f"skipped {label}: {name} not found", flush=True)
                continue
            row = run_document(label, *found, max_pages=args.max_pages, repeat=args.repeat)
            print(json.dumps(row), flush=True)
            rows.append(row)
    load.append(os.getloadavg())
    text = report(rows)
    print(text)
    made = [r for r in rows if "checks" in r]
    means = {clock: statistics.fmean(r[clock]["ratio"][0] for r in made) if made else 0.0 for clock in CLOCK_NAMES}
    print(
        f"mean (notes + quiz) / extraction: CPU {means['cpu']:.1f}x, wall {means['wall']:.1f}x; "
        f"{args.repeat} repetitions; {time.perf_counter() - started:.0f} s; "
        f"load average (1, 5, 15 min) at the start {load[0][0]:.2f} {load[0][1]:.2f} {load[0][2]:.2f}, "
        f"at the end {load[1][0]:.2f} {load[1][1]:.2f} {load[1][2]:.2f}"
    )
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    summary = {"rows": rows, "table": text, "repeat": args.repeat, "load_average": load, "mean_ratio": means}
    (results / "generation.json").write_text(json.dumps(summary, indent=2))
    return 0
