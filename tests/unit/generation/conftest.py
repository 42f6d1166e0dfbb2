from pathlib import Path

import pytest

from apps.generation import Passage

NORWICH = Path(__file__).resolve().parents[2] / "fixtures" / "corpus" / "norwich-city.txt"


def paginate(text: str, *, page_chars: int = 3000, chunk_chars: int = 1200, overlap: int = 150) -> list[Passage]:
    """Pages and overlapping chunks with offsets, like documents' chunker makes them."""
    passages: list[Passage] = []
    pages = [text[i : i + page_chars] for i in range(0, len(text), page_chars)]
    for number, page in enumerate(pages, start=1):
        start = 0
        while True:
            end = min(len(page), start + chunk_chars)
            passages.append(Passage(len(passages), number, start, end, page[start:end]))
            if end == len(page):
                break
            start = end - overlap
    return passages


@pytest.fixture(scope="session")
def article() -> list[Passage]:
    """A real encyclopedic article (not written here), cut into 16 pages."""
    return paginate(NORWICH.read_text(encoding="utf-8"))
