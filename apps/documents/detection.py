"""What an upload really is, judged from its bytes (magic numbers, zip member names), never its name.

Also the upload-time defences: empty files, unsupported types, zip bombs in DOCX/PPTX, binary data
posing as text. Each rejection is an :class:`UploadRejected` with a code and a sentence for the learner.
"""

import codecs
import zipfile
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings

from apps.core.exceptions import DomainError


@dataclass(frozen=True)
class DetectedType:
    source_kind: str  # pdf, docx, pptx, text, markdown
    media_type: str
    extension: str


class UploadRejected(DomainError):
    """An upload refused before it is stored; the API layer maps ``code`` to the HTTP status."""


PDF = DetectedType("pdf", "application/pdf", "pdf")
DOCX = DetectedType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
PPTX = DetectedType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")
TEXT = DetectedType("text", "text/plain", "txt")
MARKDOWN = DetectedType("markdown", "text/markdown", "md")

_MARKDOWN_SUFFIXES = (".md", ".markdown")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_CONTROL = set(range(0, 9)) | {11, 12} | set(range(14, 32)) | {127}


def _unsupported(what: str) -> UploadRejected:
    return UploadRejected(
        "unsupported_type",
        f"{what} is not supported. Upload a PDF, Word (.docx), PowerPoint (.pptx), text or Markdown file.",
    )


def check_zip(file: IO[bytes]) -> list[str]:
    """Member names of a zip, after refusing what would expand into too much (zip bombs)."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadRejected("damaged", "This file looks like a Word or PowerPoint file but it is damaged.") from exc
    with archive:
        members = archive.infolist()
        if len(members) > settings.DOCUMENTS_MAX_ZIP_MEMBERS:
            raise UploadRejected("zip_bomb", "This file contains too many parts to be a normal document.")
        expanded = sum(member.file_size for member in members)
        if expanded > settings.DOCUMENTS_MAX_UNCOMPRESSED_BYTES:
            raise UploadRejected("zip_bomb", "This file expands to far more data than a normal document.")
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > 1024 * 1024 and ratio > settings.DOCUMENTS_MAX_ZIP_RATIO:
                raise UploadRejected("zip_bomb", "This file is compressed suspiciously well (a zip bomb?).")
        return [member.filename for member in members]


def _check_text(file: IO[bytes]) -> None:
    """Whole-file UTF-8 validation, read in blocks; rejects NUL and other binary control bytes."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    try:
        while block := file.read(256 * 1024):
            if _BINARY_CONTROL.intersection(block):
                raise _unsupported("This binary file")
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise _unsupported("This file type (binary data, or text that is not UTF-8)") from exc


def detect(file: IO[bytes], *, name: str) -> DetectedType:
    """The type of ``file`` from its content. ``name`` only tells Markdown from plain text (same bytes)."""
    file.seek(0)
    head = file.read(8192)
    try:
        if not head:
            raise UploadRejected("empty_file", "The file is empty.")
        if b"%PDF-" in head[:1024]:
            return PDF
        if head.startswith(b"PK\x03\x04"):
            file.seek(0)
            names = set(check_zip(file))
            if "word/document.xml" in names:
                return DOCX
            if "ppt/presentation.xml" in names:
                return PPTX
            raise _unsupported("This zip-based file (not Word or PowerPoint)")
        if head.startswith(_OLE2):
            raise UploadRejected(
                "unsupported_type", "Old Office files (.doc, .ppt) are not supported: save it as .docx or .pptx."
            )
        guessed = filetype.guess(head)
        if guessed is not None:
            raise _unsupported(f"This file type ({guessed.mime})")
        file.seek(0)
        _check_text(file)
        return MARKDOWN if name.lower().endswith(_MARKDOWN_SUFFIXES) else TEXT
    finally:
        file.seek(0)
