"""OCR of PDF pages without a text layer (scanned pages): Tesseract's command line on a bounded rendering.

Runs in the PDF page processes (no Django here). A page is OCR'd when its text layer has fewer than
``min_chars`` visible characters *and* it holds an image (a blank or vector-only page is not: there is
nothing to read). The page is rendered in grey by PDFium at ``dpi`` (fewer dots on a huge page, so the
bitmap never exceeds :data:`MAX_PIXELS`), piped to ``tesseract`` as a PGM on stdin, and Tesseract's TSV
words are joined into lines and paragraphs in its reading order (top to bottom, columns left to right).

Tesseract is looked up once per process, lazily: if the command or all of the wanted languages are
missing, OCR is unavailable and pages keep their (empty) text layer, so the document fails as before.
"""

import csv
import io
import logging
import math
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

logger = logging.getLogger(__name__)

#: Largest rendering, in pixels (grey: one byte each). An A4 page at 200 dpi is 3.9 M; a poster is scaled down.
MAX_PIXELS = 16_000_000
#: Words Tesseract is less sure of than this (0-100) are dropped: specks, rules and photo texture.
MIN_WORD_CONFIDENCE = 20.0
#: A page whose kept words average (per character) less than this is not text Tesseract can read (a script
#: it has no model for, a photo): its OCR is discarded. Printed English/French scans average 93-96, also
#: blurred, noisy and skewed; the corpus's Chinese page with a seal, read with eng+fra, averages 58.
MIN_PAGE_CONFIDENCE = 70.0


@dataclass(frozen=True)
class OcrOptions:
    """What the page processes need to know (plain data: it is pickled to them)."""

    enabled: bool = False
    command: str = "tesseract"
    languages: str = "eng+fra"
    dpi: int = 200
    min_chars: int = 32
    timeout: float = 30.0
    max_pages: int = 100


@dataclass(frozen=True)
class _Tesseract:
    path: str
    languages: str


@lru_cache(maxsize=8)
def _engine(command: str, languages: str) -> _Tesseract | None:
    """The Tesseract binary and the wanted languages it has, found once per process (None: no OCR)."""
    path = shutil.which(command)
    if path is None:
        logger.warning("OCR is unavailable: %r not found (install tesseract-ocr)", command)
        return None
    try:
        listed = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        logger.warning("OCR is unavailable: %s --list-langs failed", path, exc_info=True)
        return None
    installed = {line.strip() for line in listed.stdout.splitlines()[1:]}
    wanted = [lang for lang in languages.split("+") if lang in installed]
    if not wanted:
        logger.warning("OCR is unavailable: none of the languages %r is installed for %s", languages, path)
        return None
    if len(wanted) < len(languages.split("+")):
        logger.warning("OCR runs with %s only (%r wanted)", "+".join(wanted), languages)
    return _Tesseract(path, "+".join(wanted))


def available(options: OcrOptions) -> bool:
    return options.enabled and _engine(options.command, options.languages) is not None


def visible_chars(text: str) -> int:
    return len("".join(text.split()))


def has_image(page: pdfium.PdfPage) -> bool:
    """Whether the page draws an image (at any depth of form XObjects)."""
    return next(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]), None) is not None


def needs_ocr(page: pdfium.PdfPage, text: str, options: OcrOptions) -> bool:
    return options.enabled and visible_chars(text) < options.min_chars and has_image(page)


def render_scale(width_pt: float, height_pt: float, dpi: int) -> float:
    """PDFium scale (pixels per point) for ``dpi``, lowered so the bitmap stays within MAX_PIXELS."""
    scale = dpi / 72
    area = max(width_pt * height_pt, 1.0)
    return min(scale, math.sqrt(MAX_PIXELS / area))


def _pgm(page: pdfium.PdfPage, dpi: int) -> tuple[bytes, int]:
    """The page rendered in grey as a binary PGM, and the resolution it was rendered at."""
    width, height = page.get_size()
    scale = render_scale(width, height, dpi)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        w, h, stride = bitmap.width, bitmap.height, bitmap.stride
        if bitmap.n_channels != 1:
            raise ValueError(f"expected a grey bitmap, got {bitmap.n_channels} channels")
        buffer = memoryview(bitmap.buffer).cast("B")
        if stride == w:
            pixels = bytes(buffer[: w * h])
        else:
            pixels = b"".join(buffer[row * stride : row * stride + w] for row in range(h))
    finally:
        bitmap.close()
    return b"P5\n%d %d\n255\n" % (w, h) + pixels, max(1, round(scale * 72))


def tsv_text(tsv: str) -> tuple[str, float]:
    """Tesseract's TSV words as text, and their mean confidence per character (0 without words): words of a
    line joined by spaces, lines by newlines, a blank line between paragraphs and blocks, in Tesseract's
    order (its layout analysis: blocks top to bottom, columns left to right, lines top to bottom)."""
    paragraphs: dict[tuple[int, int, int], dict[int, list[str]]] = {}
    weighted, characters = 0.0, 0
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        word = (row.get("text") or "").strip()
        if row.get("level") != "5" or not word:
            continue
        try:
            confidence = float(row["conf"])
        except (TypeError, ValueError):
            continue
        if confidence < MIN_WORD_CONFIDENCE:
            continue
        key = (int(row["page_num"]), int(row["block_num"]), int(row["par_num"]))
        paragraphs.setdefault(key, {}).setdefault(int(row["line_num"]), []).append(word)
        weighted += confidence * len(word)
        characters += len(word)
    text = "\n\n".join("\n".join(" ".join(words) for words in lines.values()) for lines in paragraphs.values())
    return text, weighted / characters if characters else 0.0


def ocr_page(page: pdfium.PdfPage, options: OcrOptions) -> str | None:
    """The page's text read by Tesseract; None if OCR is unavailable or failed on this page (logged)."""
    engine = _engine(options.command, options.languages)
    if engine is None:
        return None
    image, dpi = _pgm(page, options.dpi)
    command = [engine.path, "stdin", "stdout", "-l", engine.languages, "--psm", "3", "--dpi", str(dpi), "tsv"]
    # One thread: pages are already spread over processes, and OpenMP threads on shared cores cost up to 15x.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(command, input=image, capture_output=True, timeout=options.timeout, env=env)
    except subprocess.TimeoutExpired:
        logger.warning("OCR of a page took longer than %ss; the page is left without text", options.timeout)
        return None
    if done.returncode != 0:
        logger.warning("tesseract failed (%s): %s", done.returncode, done.stderr.decode(errors="replace")[-500:])
        return None
    text, confidence = tsv_text(done.stdout.decode("utf-8", errors="replace"))
    if text and confidence < MIN_PAGE_CONFIDENCE:
        logger.info("OCR of a page discarded: mean confidence %.0f < %.0f", confidence, MIN_PAGE_CONFIDENCE)
        return None
    return text
