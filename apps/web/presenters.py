"""Plain shaping of other apps' data for the pages: no rule of the platform lives here."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


def clock(seconds: float) -> str:
    """A time in a recording as the player shows it: m:ss, or h:mm:ss from an hour on."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def percent(done: int | None, total: int | None) -> int | None:
    """Progress as a whole percentage, or None when the total is not known yet."""
    if not total:
        return None
    return max(0, min(100, round(100 * (done or 0) / total)))


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    score: int  # percent
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: list[ChartPoint]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def gridlines(self) -> list[tuple[float, int]]:
        """(y, percent) of the 0, 50 and 100 % lines."""
        return [(self._y(value / 100), value) for value in (0, 50, 100)]

    def _y(self, fraction: float) -> float:
        return CHART_PAD + (self.height - 2 * CHART_PAD) * (1 - fraction)


CHART_PAD = 24


def score_chart(scores: Sequence[tuple[datetime, float, str]], *, width: int = 640, height: int = 240) -> Chart:
    """Scores (0..1) in time order as points of an SVG line chart, evenly spaced (one per attempt)."""
    chart = Chart(width, height, [])
    count = len(scores)
    usable = width - 2 * CHART_PAD - 24
    for index, (when, score, title) in enumerate(scores):
        x = CHART_PAD + 24 + (usable * index / (count - 1) if count > 1 else usable / 2)
        label = f"{title}: {round(score * 100)} % on {when:%d %b %Y}"
        chart.points.append(ChartPoint(x, chart._y(score), round(score * 100), label))
    return chart
