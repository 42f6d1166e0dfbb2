"""Documents: upload limits, extraction, tables and OCR. The job mechanism's settings are in ``jobs``."""

import os

from learning_platform.settings.env import env

MB = 1024 * 1024

#: Largest single upload (413 above it). The request body limit of the upload route follows it
#: (REQUEST_UPLOAD_MAX_BODY_BYTES), so a bigger body is refused before it is read.
DOCUMENTS_MAX_UPLOAD_BYTES = env.int("DOCUMENTS_MAX_UPLOAD_BYTES", default=50 * MB)
#: Total stored bytes per learner: uploaded files plus the text extracted from them (deleted documents do not
#: count). An extraction whose text would pass it fails with ``quota_exceeded``.
DOCUMENTS_QUOTA_BYTES = env.int("DOCUMENTS_QUOTA_BYTES", default=500 * MB)
#: Documents per learner (deleted ones do not count); the next upload is refused with 409.
DOCUMENTS_MAX_PER_LEARNER = env.int("DOCUMENTS_MAX_PER_LEARNER", default=1000)
#: Documents per learner waiting for or in extraction (their queued extraction jobs); more uploads get 429.
DOCUMENTS_MAX_QUEUED_PER_LEARNER = env.int("DOCUMENTS_MAX_QUEUED_PER_LEARNER", default=10)
#: DOCX/PPTX are zip files: caps on what they may expand to (zip bomb defence).
DOCUMENTS_MAX_UNCOMPRESSED_BYTES = env.int("DOCUMENTS_MAX_UNCOMPRESSED_BYTES", default=200 * MB)
DOCUMENTS_MAX_ZIP_MEMBERS = env.int("DOCUMENTS_MAX_ZIP_MEMBERS", default=5000)
DOCUMENTS_MAX_ZIP_RATIO = env.int("DOCUMENTS_MAX_ZIP_RATIO", default=150)
#: Documents with more pages than this fail with a reason instead of tying up a worker: PDF pages and PPTX
#: slides are counted up front, DOCX pages and text/Markdown sections as they are read.
DOCUMENTS_MAX_PAGES = env.int("DOCUMENTS_MAX_PAGES", default=3000)
#: A PDF with fewer readable (non-space) characters than this fails as "no text layer" (scanned/damaged).
DOCUMENTS_MIN_PDF_CHARS = env.int("DOCUMENTS_MIN_PDF_CHARS", default=20)
#: Chunk size and overlap in characters (chunks never cross a page or slide).
DOCUMENTS_CHUNK_CHARS = env.int("DOCUMENTS_CHUNK_CHARS", default=1200)
DOCUMENTS_CHUNK_OVERLAP = env.int("DOCUMENTS_CHUNK_OVERLAP", default=150)
#: PDF pages are extracted in this many processes when a PDF has at least DOCUMENTS_PARALLEL_MIN_PAGES pages.
DOCUMENTS_EXTRACT_PROCESSES = env.int("DOCUMENTS_EXTRACT_PROCESSES", default=min(4, os.cpu_count() or 1))
DOCUMENTS_PARALLEL_MIN_PAGES = env.int("DOCUMENTS_PARALLEL_MIN_PAGES", default=48)
#: Pages written to the database per transaction (bounds memory and progress granularity).
DOCUMENTS_PAGE_BATCH = env.int("DOCUMENTS_PAGE_BATCH", default=16)
#: Tables of PDF pages whose rulings look like a table, read by pdfplumber and stored on the page.
DOCUMENTS_PDF_TABLES = env.bool("DOCUMENTS_PDF_TABLES", default=True)
#: OCR (Tesseract) of PDF pages with fewer than DOCUMENTS_OCR_PAGE_MIN_CHARS visible characters in their text
#: layer and an image on them (scans). Without the tesseract binary, such pages stay empty (as with OCR off).
DOCUMENTS_OCR = env.bool("DOCUMENTS_OCR", default=True)
#: At most this many pages of a document are OCR'd (about a second each); later scanned pages get no text.
DOCUMENTS_OCR_MAX_PAGES = env.int("DOCUMENTS_OCR_MAX_PAGES", default=100)
DOCUMENTS_OCR_PAGE_MIN_CHARS = env.int("DOCUMENTS_OCR_PAGE_MIN_CHARS", default=32)
#: Tesseract languages joined by "+" (the installed ones are used; tesseract-ocr-fra adds French).
DOCUMENTS_OCR_LANGUAGES = env.str("DOCUMENTS_OCR_LANGUAGES", default="eng+fra")
DOCUMENTS_OCR_COMMAND = env.str("DOCUMENTS_OCR_COMMAND", default="tesseract")
#: Rendering resolution for OCR (lowered on pages too big for 16 megapixels).
DOCUMENTS_OCR_DPI = env.int("DOCUMENTS_OCR_DPI", default=200)
#: A page's OCR is abandoned after this long (and never after more than half of JOBS_LEASE_SECONDS).
DOCUMENTS_OCR_PAGE_TIMEOUT_SECONDS = env.float("DOCUMENTS_OCR_PAGE_TIMEOUT_SECONDS", default=30.0)
