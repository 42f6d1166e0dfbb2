"""Plain text and Markdown, read incrementally and cut into sections of about ``section_chars`` characters
at line breaks (a text file has no pages; sections play their part for citations)."""

import codecs
from collections.abc import Generator

from apps.documents.extraction import ExtractionError, PageText


def iter_text_pages(
    path: str, *, section_chars: int = 20_000, read_bytes: int = 256 * 1024
) -> Generator[PageText, None, None]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    number, buffer = 1, ""
    try:
        with open(path, "rb") as handle:
            while block := handle.read(read_bytes):
                buffer += decoder.decode(block)
                while len(buffer) >= section_chars:
                    cut = buffer.rfind("\n", section_chars // 2, section_chars)
                    cut = section_chars if cut == -1 else cut + 1
                    yield PageText(number, buffer[:cut])
                    number, buffer = number + 1, buffer[cut:]
            buffer += decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise ExtractionError("not_text", "This file is not valid UTF-8 text.") from exc
    if buffer or number == 1:
        yield PageText(number, buffer)


def text_section_count(size_bytes: int, *, section_chars: int = 20_000) -> int:
    """An estimate for progress (bytes are not characters); the last report uses the real count."""
    return max(1, -(-size_bytes // section_chars))
