"""The offline engine's output and CPU time on stored passages, to compare two versions of the code.

    .venv/bin/python -m bench.generation.compare store DIR        (extract every bench document, keep its passages)
    .venv/bin/python -m bench.generation.compare run DIR OUT.json [K] (notes + a 10-question quiz per document;
                                                                   K passes each, the least CPU kept)
    .venv/bin/python -m bench.generation.compare same OLD.json NEW.json (exit 1 if any output differs)

``store`` extracts the bench documents once (the real upload path, as ``bench generation`` does) and writes
each one's passages (the pages it is generated from) to DIR as JSON. ``run`` needs no Django: it reads those
passages, warms the engine up, then generates the notes and a 10-question quiz of each document as the bench
does (notes first, the quiz in the same process; the engine's caches emptied before each document), timing
each with ``time.process_time`` (CPU seconds, which other processes' load does not inflate as it does wall
time), and writes the notes and the questions as JSON
beside the times. Run it from a checkout of the old code and from the new (``PYTHONPATH`` selects the code),
then compare the two files' ``output`` fields: they must be equal, item for item.
"""

import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any


def store(folder: Path, max_pages: int = 100) -> None:
    from bench import generation as bench

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-generation-") as data_dir:
        bench._setup(data_dir)
        for number, (label, name, kind, keep) in enumerate(bench.DOCUMENTS):
            found = bench._content(kind, name, None, keep)
            if found is None:
                continue
            document_id, _ = bench._extract(*found)
            passages, _, _status = bench._passages(document_id)
            used = [asdict(p) for p in passages if p.page <= max_pages]
            (folder / f"{number}.json").write_text(json.dumps({"document": label, "passages": used}))


def run(folder: Path, out: Path, best_of: int = 1) -> None:
    from apps.generation import GenerationConfig, Passage, embeddings, generate_notes, generate_questions
    from bench import generation as bench

    embeddings.embed(["warm up the embedding model"])
    text = "Photosynthesis is the process that turns light into chemical energy. " * 8
    warm = [Passage(0, 1, 0, len(text), text)]
    generate_notes(warm, config=GenerationConfig())
    generate_questions(warm, count=2, types=[], difficulty="medium", config=GenerationConfig())
    results: dict[str, Any] = {}
    for path in sorted(folder.glob("*.json")):
        stored = json.loads(path.read_text())
        passages = [Passage(**p) for p in stored["passages"]]
        pages = len({p.page for p in passages})
        notes_cpu = quiz_cpu = float("inf")
        for _ in range(max(1, best_of)):  # the least CPU of ``best_of`` passes (the output is the same each time)
            bench.forget()  # every pass pays its own analysis, whatever ran before it
            notes, quiz, (notes_pass,), (quiz_pass,) = bench.notes_then_quiz(
                passages, page_count=pages, clocks=(time.process_time,)
            )
            notes_cpu, quiz_cpu = min(notes_cpu, notes_pass), min(quiz_cpu, quiz_pass)
        results[stored["document"]] = {
            "pages": pages,
            "notes_cpu_s": round(notes_cpu, 4),
            "quiz_cpu_s": round(quiz_cpu, 4),
            "output": {"notes": asdict(notes), "quiz": asdict(quiz)},
        }
        print(stored["document"], pages, round(notes_cpu, 3), round(quiz_cpu, 3), flush=True)
    out.write_text(json.dumps(results, indent=1, sort_keys=True))


def same(old: Path, new: Path) -> bool:
    a, b = json.loads(old.read_text()), json.loads(new.read_text())
    equal = a.keys() == b.keys()
    for document in a:
        one = a[document]["output"] == b.get(document, {}).get("output")
        print(f"{document}: {'same' if one else 'DIFFERENT'}")
        equal = equal and one
    return equal


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "store":
        store(Path(args[0]))
    elif command == "run":
        run(Path(args[0]), Path(args[1]), *(int(a) for a in args[2:3]))
    elif command == "same":
        sys.exit(0 if same(Path(args[0]), Path(args[1])) else 1)
