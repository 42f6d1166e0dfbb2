from datetime import UTC, datetime

import pytest

from apps.web.presenters import clock, percent, score_chart


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
