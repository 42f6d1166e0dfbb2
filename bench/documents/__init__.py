"""Documents benchmark: pages/s of our extraction job next to bare pdfplumber and bare pypdfium2 on the same
PDFs in the same run, text completeness against pdfplumber, peak memory on a generated 300-page PDF, and
OCR: the job on a generated scanned PDF next to the same pages with their text layer.

    .venv/bin/python -m bench documents            (or: .venv/bin/python -m bench.documents)
    .venv/bin/python -m bench documents --quick    (fewer pages for pdfplumber: a smoke run)

"Our job" is the real path: upload service -> document.uploaded -> extraction job (eager Celery) ->
pages, chunks and events in SQLite, in a throwaway DATA_DIR. Results also go to bench/results/documents.json.
"""

import argparse
import difflib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from bench.stages import cpu_seconds, extraction_only

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
#: Real PDFs, each with the number of its first pages every reader reads (None: all of them). The multi-page,
#: text-heavy ones first: the first 15 and the first 8 pages of a 619-page manual (issue 10's cuts).
TEXT_PDFS: list[tuple[str, int | None]] = [
    ("DA-619p-first-15-pages.pdf", None),
    ("DA-619p-first-15-pages.pdf", 8),
    ("chelsea_pdta.pdf", None),
    ("WARN-Report-for-7-1-2015-to-03-25-2016.pdf", None),
    ("nics-background-checks-2015-11.pdf", None),
    ("word365_structure.pdf", None),
    ("issue-598-example.pdf", None),
]
#: Quick mode: every reader on at most this many first pages of each PDF.
QUICK_PAGES = 5
#: Our job and bare PDFium are timed this many times per PDF in one run, in pairs (our job, then PDFium), and
#: the median of the pairs' ratios counts: a PDF of a few pages takes 0.05-0.3 s, one sample on shared cores
#: says more about the neighbours than the reader, and two samples taken a second apart see the same machine.
REPEATS = 5


def _isolate_environment(data_dir: str) -> None:
    """Embedded defaults in a throwaway folder, whatever the caller's shell exported."""
    for name in ("DATABASE_URL", "S3_BUCKET", "KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        DATA_DIR=data_dir,
        DJANGO_SETTINGS_MODULE="learning_platform.settings.test",
        EVENTBUS_TRANSPORT="inprocess",
        LOG_LEVEL="ERROR",
    )


def _django(data_dir: str) -> None:
    _isolate_environment(data_dir)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    extraction_only()


def _characters(text: str) -> Counter[str]:
    """Visible characters with multiplicity: immune to the readers' different spacing and reading order
    (pdfplumber writes a spaced-out date as "0 3 / 2 5", PDFium as "03/25")."""
    return Counter(c for c in unicodedata.normalize("NFC", text) if not c.isspace())


def generated_pdf(path: Path, pages: int) -> Path:
    """Dense, text-heavy pages: 70 lines of prose each."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    sentence = "Cellular respiration releases energy stored in glucose; oxygen is the final electron acceptor. "
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica", 8)
        for line in range(70):
            pdf.drawString(30, 810 - line * 11.3, f"p{number} l{line} " + sentence[(line * 7) % 40 :] + sentence[:40])
        pdf.showPage()
    pdf.save()
    return path


def bare_pdfplumber(path: Path, max_pages: int | None = None, tables: bool = False) -> tuple[int, float, str]:
    """pdfplumber's text per page; with ``tables`` also its tables (what our job does with tables on)."""
    import pdfplumber

    start = time.perf_counter()
    with pdfplumber.open(path) as pdf:
        pages = pdf.pages[:max_pages] if max_pages else pdf.pages
        texts = []
        for page in pages:
            texts.append(page.extract_text() or "")
            if tables:
                page.extract_tables()
        count = len(pages)
    return count, time.perf_counter() - start, "\n".join(texts)


#: The CPU seconds of the last call of each timed reader (its wall seconds are returned).
LAST_CPU: dict[str, float] = {}


def bare_pypdfium2(path: Path, max_pages: int | None = None) -> tuple[int, float, str]:
    """Pages read, wall seconds, text; ``LAST_CPU["pypdfium2"]`` gets the CPU seconds."""
    import pypdfium2 as pdfium

    start, cpu = time.perf_counter(), cpu_seconds()
    pdf = pdfium.PdfDocument(str(path))
    count = min(len(pdf), max_pages or len(pdf))
    texts = []
    for index in range(count):
        page = pdf[index]
        textpage = page.get_textpage()
        texts.append(textpage.get_text_bounded())
        textpage.close()
        page.close()
    pdf.close()
    elapsed = time.perf_counter() - start
    LAST_CPU["pypdfium2"] = cpu_seconds() - cpu
    return count, elapsed, "\n".join(texts)


def our_job(path: Path, owner_id: int) -> tuple[int, float, str]:
    """Upload through the service and wait for the extraction job (eager: it has finished on return). Pages,
    wall seconds, stored text; ``LAST_CPU["ours"]`` gets the CPU seconds."""
    from apps.documents.models import Document, Page
    from apps.documents.services import document_upload

    start, cpu = time.perf_counter(), cpu_seconds()
    with open(path, "rb") as handle:
        document = document_upload(owner_id=owner_id, file=handle, file_name=path.name, size=path.stat().st_size)
    elapsed = time.perf_counter() - start
    LAST_CPU["ours"] = cpu_seconds() - cpu
    document.refresh_from_db()
    if document.status != Document.Status.PROCESSED:
        raise RuntimeError(f"{path.name}: {document.status} {document.failure_reason}")
    text = "\n".join(Page.objects.filter(document=document).order_by("number").values_list("text", flat=True))
    return document.page_count or 0, elapsed, text


def recall(reference: str, ours: str) -> float:
    """Share of the reference's visible characters (with multiplicity) that our text also has."""
    wanted, have = _characters(reference), _characters(ours)
    total = sum(wanted.values())
    if not total:
        return 1.0
    return sum(min(count, have[char]) for char, count in wanted.items()) / total


def _owner() -> int:
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(email="bench@example.com")
    return int(user.pk)


def first_pages(path: Path, pages: int, work: Path) -> Path:
    """A copy of the PDF's first ``pages`` pages, so that every reader in a quick run reads the same pages."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(str(path))
    try:
        if len(source) <= pages:
            return path
        prefix = pdfium.PdfDocument.new()
        prefix.import_pages(source, list(range(pages)))
        out = work / f"first-{pages}-pages-{path.name}"
        prefix.save(str(out))
        prefix.close()
        return out
    finally:
        source.close()


def _paired(path: Path, owner_id: int, repeats: int) -> dict[str, Any]:
    """Our job and bare PDFium in turn, ``repeats`` pairs: medians of each reader's seconds and of the pairs'
    ratios ours / PDFium (pages per second; the same pages, so PDFium's seconds over ours), wall and CPU."""
    pairs = []
    for _ in range(repeats):
        pages, seconds, text = our_job(path, owner_id)
        ours_cpu = LAST_CPU["ours"]
        bare_pages, bare_seconds, _ = bare_pypdfium2(path)
        if pages != bare_pages:
            raise RuntimeError(f"{path.name}: our job read {pages} pages, PDFium {bare_pages}")
        pairs.append((seconds, ours_cpu, bare_seconds, LAST_CPU["pypdfium2"]))
    return {
        "pages": pages,
        "text": text,
        "ours_seconds": statistics.median(p[0] for p in pairs),
        "pypdfium2_seconds": statistics.median(p[2] for p in pairs),
        "ratio": statistics.median(p[2] / p[0] for p in pairs),
        "cpu_ratio": statistics.median(p[3] / max(p[1], 1e-9) for p in pairs),
        "ratios": [round(p[2] / p[0], 2) for p in pairs],
    }


def speed(pdfs: list[tuple[Path, int | None]], quick: bool, work: Path, repeats: int) -> list[dict[str, Any]]:
    """Each reader on the same pages (a PDF cut to its first pages is a new file every reader reads; in a
    quick run every PDF is cut to its first QUICK_PAGES pages). Completeness is checked on what the job
    stored (its pages in the database), against pdfplumber's text of the same pages."""
    owner_id = _owner()
    rows = []
    for original, first in pdfs:
        limit = min(first or QUICK_PAGES, QUICK_PAGES) if quick else first
        path = first_pages(original, limit, work) if limit else original
        paired = _paired(path, owner_id, repeats)
        our_pages, our_text = paired["pages"], paired["text"]
        plumber_pages, plumber_seconds, plumber_text = bare_pdfplumber(path)
        _, plumber_tables_seconds, _ = bare_pdfplumber(path, tables=True)
        if our_pages != plumber_pages:
            raise RuntimeError(f"{path.name}: our job read {our_pages} pages, pdfplumber {plumber_pages}")
        rows.append(
            {
                "pdf": original.name + (f" (first {limit} pages)" if limit else ""),
                "pages": our_pages,
                "ours_pages_per_s": our_pages / paired["ours_seconds"],
                "pypdfium2_pages_per_s": our_pages / paired["pypdfium2_seconds"],
                "ours_to_pypdfium2": paired["ratio"],
                "ours_to_pypdfium2_cpu": paired["cpu_ratio"],
                "ours_to_pypdfium2_pairs": paired["ratios"],
                "pdfplumber_pages_per_s": plumber_pages / plumber_seconds,
                "pdfplumber_tables_pages_per_s": plumber_pages / plumber_tables_seconds,
                "pdfplumber_pages_timed": plumber_pages,
                "char_recall_vs_pdfplumber": recall(plumber_text, our_text),
            }
        )
        print(_row(rows[-1]), flush=True)
    return rows


def _row(row: dict[str, Any]) -> str:
    ratio = row["ours_pages_per_s"] / row["pdfplumber_pages_per_s"]
    like_for_like = row["ours_pages_per_s"] / row["pdfplumber_tables_pages_per_s"]
    return (
        f"| {row['pdf'][:60]} | {row['pages']} | {row['ours_pages_per_s']:.0f} | {row['pypdfium2_pages_per_s']:.0f} | "
        f"{row['ours_to_pypdfium2']:.2f} | {row['ours_to_pypdfium2_cpu']:.2f} | "
        f"{row['pdfplumber_pages_per_s']:.1f} | {ratio:.0f}x | "
        f"{row['pdfplumber_tables_pages_per_s']:.1f} | "
        f"{like_for_like:.0f}x | {row['char_recall_vs_pdfplumber'] * 100:.2f}% |"
    )


HANDOUT = (
    "Cellular respiration releases the energy stored in glucose; oxygen is the final electron acceptor. "
    "La respiration cellulaire libère l'énergie stockée dans le glucose ; l'oxygène est l'accepteur final. "
)


def _accuracy(truth: str, read: str) -> float:
    """difflib's ratio of the two texts, whitespace runs made single spaces (1.0: every character right)."""
    return difflib.SequenceMatcher(None, " ".join(truth.split()), " ".join(read.split()), autojunk=False).ratio()


def ocr_skip_reason() -> str:
    """Why the OCR rows cannot run here ("" when they can): OCR is off, or its command is not installed."""
    from django.conf import settings

    if not settings.DOCUMENTS_OCR:
        return "OCR is off (DOCUMENTS_OCR=false)"
    if not shutil.which(settings.DOCUMENTS_OCR_COMMAND):
        return (
            f"{settings.DOCUMENTS_OCR_COMMAND!r} is not installed (apt-get install tesseract-ocr tesseract-ocr-eng "
            "tesseract-ocr-fra, or `python scripts/services.py install` as root)"
        )
    return ""


def ocr_speed(work: Path, pages: int = 5) -> list[dict[str, Any]]:
    """The job on ``pages`` handout pages (about 38 lines of English and French, 11 pt) with their text
    layer, then on the same pages scanned at 200 dpi (image only), in one process and in two."""
    from django.conf import settings

    from apps.documents.extraction.cleaning import clean_text
    from tests.fixtures.scanned import scanned_pdf, text_page_pdf

    texts: list[str | None] = [f"Handout page {n}. " + HANDOUT * 15 for n in range(1, pages + 1)]
    text_path = work / f"handout-{pages}-pages.pdf"
    text_path.write_bytes(text_page_pdf(texts))
    scan_path = work / f"handout-{pages}-pages-scanned.pdf"
    scan_path.write_bytes(scanned_pdf(texts))
    owner_id = _owner()
    rows: list[dict[str, Any]] = []
    saved = settings.DOCUMENTS_EXTRACT_PROCESSES, settings.DOCUMENTS_PARALLEL_MIN_PAGES
    try:
        for label, path, processes in (
            ("text layer", text_path, 1),
            ("OCR, 1 process", scan_path, 1),
            ("OCR, 2 processes", scan_path, 2),
        ):
            settings.DOCUMENTS_EXTRACT_PROCESSES, settings.DOCUMENTS_PARALLEL_MIN_PAGES = processes, 1
            try:
                count, seconds, text = our_job(path, owner_id)
            except RuntimeError as failed:  # e.g. OCR past its per-page timeout on an overloaded machine
                rows.append({"pdf": label, "failed": str(failed)})
                print(f"| {label} | failed: {failed} | | | |", flush=True)
                continue
            truth = clean_text("\n".join(t or "" for t in texts))
            rows.append(
                {
                    "pdf": label,
                    "pages": count,
                    "pages_per_s": count / seconds,
                    "seconds_per_page": seconds / count,
                    "accuracy": _accuracy(truth, text),
                }
            )
            print(
                f"| {label} | {count} | {count / seconds:.2f} | {seconds / count:.2f} s |"
                f" {rows[-1]['accuracy'] * 100:.2f} % |",
                flush=True,
            )
    finally:
        settings.DOCUMENTS_EXTRACT_PROCESSES, settings.DOCUMENTS_PARALLEL_MIN_PAGES = saved
    return rows


def _status_kb(pid: str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children() -> list[str]:
    pids: list[str] = []
    for task in Path("/proc/self/task").iterdir():
        try:
            pids += (task / "children").read_text().split()
        except OSError:
            continue
    return pids


class _TotalRssSampler(threading.Thread):
    """Samples this process's and its children's (the PDF workers') resident memory every 20 ms.

    ``ru_maxrss`` cannot be used: Linux carries it over fork and exec, so a child would report its parent's
    peak. VmHWM (this process) and VmRSS samples (children) are per process image."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.peak_child_kb = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            children = [_status_kb(pid, "VmRSS") for pid in _children()]
            self.peak_child_kb = max([self.peak_child_kb, *children])
            self.peak_kb = max(self.peak_kb, _status_kb("self", "VmRSS") + sum(children))
            time.sleep(0.02)


def memory_child(path: str, processes: int, data_dir: str) -> None:
    """Runs in its own process on a migrated DATA_DIR: one extraction job on ``path``; prints RSS (MB) as JSON."""
    os.environ["DOCUMENTS_EXTRACT_PROCESSES"] = str(processes)
    _isolate_environment(data_dir)
    import django

    django.setup()
    extraction_only()
    owner_id = _owner()
    baseline = _status_kb("self", "VmRSS") / 1024
    sampler = _TotalRssSampler()
    sampler.start()
    pages, seconds, _ = our_job(Path(path), owner_id)
    sampler.running = False
    sampler.join()
    result = {
        "pages": pages,
        "seconds": seconds,
        "baseline_mb": baseline,
        "peak_mb": _status_kb("self", "VmHWM") / 1024,
        "peak_total_mb": sampler.peak_kb / 1024,
        "peak_worker_mb": sampler.peak_child_kb / 1024,
    }
    print(json.dumps(result))


def memory(path: Path, processes: int) -> dict[str, Any]:
    data_dir = tempfile.mkdtemp(prefix="lp-bench-mem-")
    env = {**os.environ, "DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "learning_platform.settings.test"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bench.documents", "--memory-child", str(path)),
            *("--processes", str(processes), "--data-dir", data_dir),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench documents", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="every reader on the first 5 pages of each PDF")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    parser.add_argument("--processes", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--ocr-only", action="store_true", help="only the OCR rows")
    parser.add_argument("--no-ocr", action="store_true", help="skip the OCR rows")
    parser.add_argument("--no-memory", action="store_true", help="skip the 300-page memory runs")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timings per PDF for our job and PDFium")
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.processes, args.data_dir)
        return 0

    work = Path(tempfile.mkdtemp(prefix="lp-bench-docs-"))
    _django(str(work / "data"))
    ocr_rows: list[dict[str, Any]] = []
    skipped = ocr_skip_reason()
    if args.no_ocr or skipped:
        print(f"OCR rows skipped: {'--no-ocr' if args.no_ocr else skipped}")
        ocr_rows = [{"skipped": "--no-ocr" if args.no_ocr else skipped}]
    else:
        print("| OCR: 5 handout pages | pages | our job pages/s | seconds per page | characters right |")
        print("|---|---|---|---|---|")
        ocr_rows = ocr_speed(work)
    if args.ocr_only:
        return 0
    dense = generated_pdf(work / "dense-15-pages.pdf", 15)
    big = generated_pdf(work / "generated-300-pages.pdf", 300)
    print(f"cpus: {os.cpu_count()}  python: {sys.version.split()[0]}")
    print(
        "| PDF | pages | our job pages/s | bare pypdfium2 pages/s | ours / pypdfium2 | same, CPU |"
        " bare pdfplumber pages/s | ours / pdfplumber |"
        " pdfplumber text + tables pages/s | ours / that | visible characters of pdfplumber's text we have |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    # Real PDFs first, the generated one beside them.
    from django.conf import settings

    print(f"PDF tables: {settings.DOCUMENTS_PDF_TABLES}  pairs: {args.repeats} (medians)  quick: {args.quick}")
    rows = speed(
        [*((CORPUS / name, first) for name, first in TEXT_PDFS), (dense, None)], args.quick, work, args.repeats
    )
    total_pages = sum(r["pages"] for r in rows)
    ours = total_pages / sum(r["pages"] / r["ours_pages_per_s"] for r in rows)
    timed = sum(r["pdfplumber_pages_timed"] for r in rows)
    plumber = timed / sum(r["pdfplumber_pages_timed"] / r["pdfplumber_pages_per_s"] for r in rows)
    with_tables = timed / sum(r["pdfplumber_pages_timed"] / r["pdfplumber_tables_pages_per_s"] for r in rows)
    print(
        f"\nall PDFs: our job {ours:.0f} pages/s, bare pdfplumber {plumber:.1f} pages/s: {ours / plumber:.0f}x;"
        f" pdfplumber text + tables {with_tables:.1f} pages/s: {ours / with_tables:.0f}x"
    )
    memory_rows = {} if args.no_memory else {f"{n} process(es)": memory(big, n) for n in (1, 2)}
    for label, result in memory_rows.items():
        print(
            f"300-page PDF, {label}: {result['pages'] / result['seconds']:.0f} pages/s; peak RSS of the job process"
            f" {result['peak_mb']:.0f} MB ({result['baseline_mb']:.0f} MB before the upload), all processes together"
            f" {result['peak_total_mb']:.0f} MB, largest PDF worker {result['peak_worker_mb']:.0f} MB"
        )
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    summary = {
        "rows": rows,
        "ours_pages_per_s": ours,
        "pdfplumber_pages_per_s": plumber,
        "pdfplumber_tables_pages_per_s": with_tables,
        "memory": memory_rows,
        "ocr": ocr_rows,
    }
    (results_dir / "documents.json").write_text(json.dumps(summary, indent=2))
    return 0
