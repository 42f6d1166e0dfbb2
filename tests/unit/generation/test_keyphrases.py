"""The fast keyphrase ranking gives exactly what yake itself gives, on real text nobody here wrote."""

from pathlib import Path

import pytest
import yake

from apps.generation.keyphrases import extract

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"


def _windows(name: str, size: int = 8000) -> list[str]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return [text[i : i + size] for i in range(0, min(len(text), 4 * size), size)]


@pytest.mark.parametrize(
    "text",
    [
        *(pytest.param(t, id=f"article-{i}") for i, t in enumerate(_windows("norwich-city.txt"))),
        *(pytest.param(t, id=f"novel-{i}") for i, t in enumerate(_windows("war-and-peace-chapters-1-3.txt"))),
        pytest.param("Photosynthesis turns light into energy. Light drives photosynthesis in plants.", id="short"),
    ],
)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_same_phrases_and_scores_as_yake(text: str, n: int) -> None:
    expected = yake.KeywordExtractor(lan="en", n=n, top=40, dedup_lim=0.9).extract_keywords(text)

    assert extract(text, language="en", n=n, top=40, dedup_limit=0.9) == expected


def test_a_stricter_deduplication_limit_is_yakes_too() -> None:
    text = _windows("norwich-city.txt")[1]
    expected = yake.KeywordExtractor(lan="en", n=2, top=20, dedup_lim=0.5).extract_keywords(text)

    assert extract(text, n=2, top=20, dedup_limit=0.5) == expected


def test_empty_text_has_no_keyphrases() -> None:
    assert extract("") == []
