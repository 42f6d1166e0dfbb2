from datetime import UTC, datetime

import pytest

from apps.web.presenters import clock, notes_speech_text, percent, score_chart

NOTES = {
    "summary": [{"text": "Rocks form in three ways.", "citation": {"page": 1, "chunk": 0}}],
    "key_points": [
        {"text": "Igneous rock cools from magma.", "citation": {"page": 2, "chunk": 1}},
        {"text": "Sediment settles in layers.", "citation": {"page": 3, "chunk": 2}},
    ],
}


def test_the_narrated_notes_are_the_summary_then_the_key_points():
    assert notes_speech_text(NOTES, limit=1000) == (
        "Rocks form in three ways.\nIgneous rock cools from magma.\nSediment settles in layers."
    )


def test_the_narrated_notes_stop_before_the_line_that_passes_the_limit():
    assert notes_speech_text(NOTES, limit=60) == "Rocks form in three ways.\nIgneous rock cools from magma."


@pytest.mark.parametrize(
    ("done", "total", "expected"), [(0, None, None), (3, 4, 75), (5, 4, 100), (0, 0, None)], ids=str
)
def test_percent(done, total, expected):
    assert percent(done, total) == expected


def test_the_chart_puts_a_higher_score_higher_and_a_later_one_further_right():
    when = datetime(2026, 3, 1, tzinfo=UTC)

    chart = score_chart([(when, 0.25, "Quiz A"), (when, 1.0, "Quiz B")], width=400, height=200)

    low, high = chart.points
    assert high.y < low.y
    assert high.x > low.x
    assert (low.score, high.score) == (25, 100)
    assert low.label == "Quiz A: 25 % on 01 Mar 2026"
    assert chart.polyline == f"{low.x:.1f},{low.y:.1f} {high.x:.1f},{high.y:.1f}"
    assert [value for _, value in chart.gridlines] == [0, 50, 100]


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.0, "0:00"), (8.04, "0:08"), (75.9, "1:15"), (3725, "1:02:05")], ids=str
)
def test_clock(seconds, shown):
    assert clock(seconds) == shown
