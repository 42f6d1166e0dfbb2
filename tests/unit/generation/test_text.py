import pytest

from apps.generation.text import clean, heading_level, normalise, split_sentences


def _texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("One fact. Another fact.", ["One fact.", "Another fact."], id="two"),
        pytest.param(
            "Cells divide, e.g. by mitosis. Next one.",
            ["Cells divide, e.g. by mitosis.", "Next one."],
            id="abbreviation",
        ),
        pytest.param(
            "Written by J. Smith in 1990. Then more.", ["Written by J. Smith in 1990.", "Then more."], id="initial"
        ),
        pytest.param("It costs 3.5 dollars. Yes.", ["It costs 3.5 dollars.", "Yes."], id="decimal"),
        pytest.param(
            "A line that wraps\nacross lines. Done.", ["A line that wraps\nacross lines.", "Done."], id="wrapped-line"
        ),
        pytest.param("Introduction\nThe text starts here.", ["Introduction", "The text starts here."], id="heading"),
        pytest.param("First paragraph\n\nSecond paragraph.", ["First paragraph", "Second paragraph."], id="paragraph"),
        pytest.param("He scored.[10] Then he left.", ["He scored.[10]", "Then he left."], id="footnote"),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


def test_offsets_point_into_the_text() -> None:
    text = "  Alpha beta gamma.  Delta epsilon!\nZeta eta theta?"
    for span in split_sentences(text):
        assert text[span.start : span.end] == span.text


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("Chapter 1", 1),
        ("1.2 Methods", 2),
        ("Early life and career", 2),
        ("PART ONE", 1),
        ("Roberts made his debut.", None),
        ("Total 647 (202)", None),
        ("2005 Cambridge United", None),
    ],
)
def test_heading_level(line: str, level: int | None) -> None:
    assert heading_level(line) == level


def test_normalise_and_clean() -> None:
    assert normalise("  Élan, VITAL! ") == "elan vital"
    assert clean("He scored\n twice.[31][34]") == "He scored twice."
