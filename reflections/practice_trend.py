"""A facilitator's observed MI practice over time, as small server-rendered SVG charts
(one per summary score, each on its own scale, with the fair/good bands of MITI 4.2.1)
and the text table that says the same in words.

Pure geometry, no database: the caller hands in one TrendPoint per coded observation and
templates/reflections/_practice_trend.html draws what comes back. Every coordinate is
computed here, rounded to 1 decimal, in one fixed viewBox, so the template only places
numbers and the tests can check them exactly.

Words (titles, band labels, the summary read by screen readers) are properties, not
fields: they are translated when the template reads them, in the page's language, even
when the charts were built elsewhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from reflections.practice_scores import SCORE_LABELS, THRESHOLDS, Band, Score, Scores

# Small multiples, read left to right then down: the two behaviour counts a coach works
# on first, then the two globals.
KEYS = ("rq", "pct_cr", "technical", "relational")

# The y-domain of each chart. R:Q has no upper bound; above 3 is drawn at the top edge
# (flagged `clipped`), and the table gives the true value. Globals are rated 1–5.
DOMAINS: dict[str, tuple[int, int]] = {
    "rq": (0, 3),
    "pct_cr": (0, 100),
    "technical": (1, 5),
    "relational": (1, 5),
}

# Column headings of the table and labels of each stacked cell on a phone.
SHORT_LABELS = {
    "rq": _("R:Q"),
    "pct_cr": _("%CR"),
    "technical": _("Technical"),
    "relational": _("Relational"),
}

# The viewBox: a left margin for the y-tick labels, a bottom margin for the dates, and a
# gutter at the right of the plot where each band's label sits inside its band, clear of
# the points (the latest point is at the right edge of the data area, not under a label).
WIDTH, HEIGHT = 320, 150
PLOT_LEFT, PLOT_RIGHT = 44, 316
PLOT_TOP, PLOT_BOTTOM = 10, 130
PLOT_HEIGHT = PLOT_BOTTOM - PLOT_TOP
DATA_LEFT, DATA_RIGHT = 56, 254
DATE_BASELINE = 145
# Points observed on the same day are this far apart, so none hides another.
SAME_DAY_SPREAD = 8
# A middle date label only where it cannot run into the first or last one.
MIDDLE_LABEL_GAP = 90
POINT_RADIUS = 3.5


def _round(value: float | Fraction) -> float:
    return round(float(value), 1)


@dataclass(frozen=True)
class TrendPoint:
    """One coded observation: when it was observed, its scores, and the page showing it
    ("" when there is none to link to)."""

    observed_on: date
    scores: Scores
    url: str = ""


@dataclass(frozen=True)
class TrendBand:
    """The rectangle of one proficiency band on a chart's scale, and where its label
    sits (inside the band, at the right, vertically centred)."""

    band: Band
    y: float
    height: float
    label_x: float
    label_y: float

    @property
    def key(self) -> str:
        return str(self.band.value)

    @property
    def label(self) -> str:
        return str(self.band.label)


@dataclass(frozen=True)
class ThresholdLine:
    """A horizontal line where a band starts (`band` is FAIR or GOOD)."""

    band: Band
    y: float

    @property
    def key(self) -> str:
        return str(self.band.value)


@dataclass(frozen=True)
class TrendTick:
    y: float
    label: str


@dataclass(frozen=True)
class ChartPoint:
    """A scored observation placed on a chart. `clipped` when the value is above the
    domain and is drawn at the top edge; `marker` is then the ▲ drawn instead of a dot
    (polygon points), "" otherwise."""

    x: float
    y: float
    observed_on: date
    url: str
    clipped: bool
    score: Score
    marker: str = ""

    @property
    def display(self) -> str:
        return self.score.display

    @property
    def band_label(self) -> str:
        return self.score.band_label


@dataclass(frozen=True)
class DateLabel:
    """A date under the x-axis; the template formats it, so it follows the language."""

    x: float
    observed_on: date
    anchor: str  # SVG text-anchor: start, middle or end


@dataclass(frozen=True)
class TrendChart:
    """Everything one chart's SVG needs. `paths` holds one path per run of consecutive
    scored observations (an observation without this score breaks the line); a run of a
    single point has no line, only its dot."""

    key: str
    low: int
    high: int
    bands: tuple[TrendBand, ...]
    thresholds: tuple[ThresholdLine, ...]
    ticks: tuple[TrendTick, ...]
    points: tuple[ChartPoint, ...]
    paths: tuple[str, ...]
    date_labels: tuple[DateLabel, ...]
    observations: int

    view_box = f"0 0 {WIDTH} {HEIGHT}"
    plot_left = PLOT_LEFT
    plot_right = PLOT_RIGHT
    plot_top = PLOT_TOP
    plot_bottom = PLOT_BOTTOM
    plot_width = PLOT_RIGHT - PLOT_LEFT
    tick_x = PLOT_LEFT - 5
    date_y = DATE_BASELINE
    point_radius = POINT_RADIUS

    @property
    def id(self) -> str:
        """Prefix of the ids inside this chart's SVG (title, desc, patterns)."""
        return f"trend-{self.key.replace('_', '-')}"

    @property
    def title(self) -> str:
        return str(SCORE_LABELS[self.key])

    @property
    def clipped(self) -> bool:
        return any(point.clipped for point in self.points)

    @property
    def summary(self) -> str:
        """One sentence for the SVG's <desc>: how many observations, where the score
        started and where it is now, in words a screen reader can say."""
        title = self.title
        missing = self.observations - len(self.points)
        if not self.points:
            return ngettext(
                "%(title)s: not scored in the %(count)d coded observation.",
                "%(title)s: not scored in any of the %(count)d coded observations.",
                self.observations,
            ) % {"title": title, "count": self.observations}
        first, last = self.points[0], self.points[-1]
        if len(self.points) == 1:
            sentence = gettext(
                "%(title)s over 1 observation: %(value)s (%(band)s) on %(date)s."
            ) % {
                "title": title,
                "value": first.display,
                "band": first.band_label,
                "date": date_format(first.observed_on, "DATE_FORMAT"),
            }
        else:
            sentence = gettext(
                "%(title)s over %(count)d observations, from %(first)s (%(first_band)s) on "
                "%(first_date)s to %(last)s (%(last_band)s) on %(last_date)s."
            ) % {
                "title": title,
                "count": len(self.points),
                "first": first.display,
                "first_band": first.band_label,
                "first_date": date_format(first.observed_on, "DATE_FORMAT"),
                "last": last.display,
                "last_band": last.band_label,
                "last_date": date_format(last.observed_on, "DATE_FORMAT"),
            }
        if missing:
            sentence += " " + ngettext(
                "Not scored in %(count)d observation.",
                "Not scored in %(count)d observations.",
                missing,
            ) % {"count": missing}
        return sentence


@dataclass(frozen=True)
class TrendCell:
    """One score of one observation in the table: its value as people read it (or why
    there is none) and its band in words ("" when there is no value)."""

    key: str
    score: Score

    @property
    def heading(self) -> str:
        return str(SHORT_LABELS[self.key])

    @property
    def display(self) -> str:
        return self.score.display

    @property
    def band_label(self) -> str:
        return self.score.band_label


@dataclass(frozen=True)
class TrendRow:
    observed_on: date
    url: str
    cells: tuple[TrendCell, ...]


def _chronological(points: Sequence[TrendPoint]) -> list[TrendPoint]:
    # Stable: observations of the same day keep the caller's order.
    return sorted(points, key=lambda point: point.observed_on)


def _y(value: Fraction, low: int, high: int) -> float:
    """The y of a value on a scale, clamped to the plot (SVG y grows downwards)."""
    value = min(max(value, Fraction(low)), Fraction(high))
    return _round(PLOT_TOP + (Fraction(high) - value) / (high - low) * PLOT_HEIGHT)


def _xs(dates: Sequence[date]) -> list[float]:
    """x of each date on a proportional time axis over the data area; a single date is
    centred, and points of the same date are spread around their date's x."""
    first, last = dates[0], dates[-1]
    span = (last - first).days
    width = DATA_RIGHT - DATA_LEFT

    def centre(day: date) -> float:
        if not span:
            return (DATA_LEFT + DATA_RIGHT) / 2
        return DATA_LEFT + (day - first).days / span * width

    per_day = Counter(dates)
    seen: Counter[date] = Counter()
    xs = []
    for day in dates:
        n, i = per_day[day], seen[day]
        seen[day] += 1
        offset = (i - (n - 1) / 2) * SAME_DAY_SPREAD
        # A group at an edge moves inwards as a whole rather than into the margins.
        half = (n - 1) / 2 * SAME_DAY_SPREAD
        shift = max(0.0, DATA_LEFT - (centre(day) - half)) - max(
            0.0, centre(day) + half - DATA_RIGHT
        )
        xs.append(_round(centre(day) + offset + shift))
    return xs


def _tick_label(key: str, value: Fraction) -> str:
    text = str(int(value)) if value.denominator == 1 else f"{float(value):.1f}"
    return f"{text} %" if key == "pct_cr" else text


def _date_labels(dates: Sequence[date], xs: Sequence[float]) -> tuple[DateLabel, ...]:
    """First and last date, and a middle one where there is room for it."""
    if dates[0] == dates[-1]:
        return (DateLabel(x=(DATA_LEFT + DATA_RIGHT) / 2, observed_on=dates[0], anchor="middle"),)
    labels = [
        DateLabel(x=xs[0], observed_on=dates[0], anchor="start"),
        DateLabel(x=xs[-1], observed_on=dates[-1], anchor="end"),
    ]
    if len(dates) >= 3:
        middle = len(dates) // 2
        if xs[middle] - xs[0] >= MIDDLE_LABEL_GAP and xs[-1] - xs[middle] >= MIDDLE_LABEL_GAP:
            labels.insert(1, DateLabel(x=xs[middle], observed_on=dates[middle], anchor="middle"))
    return tuple(labels)


def _chart(
    key: str,
    points: Sequence[TrendPoint],
    xs: Sequence[float],
    date_labels: tuple[DateLabel, ...],
) -> TrendChart:
    low, high = DOMAINS[key]
    threshold = THRESHOLDS[key]
    y_low, y_fair, y_good, y_high = (
        _y(Fraction(low), low, high),
        _y(threshold.fair, low, high),
        _y(threshold.good, low, high),
        _y(Fraction(high), low, high),
    )
    label_x = PLOT_RIGHT - 4

    def band(kind: Band, top: float, bottom: float) -> TrendBand:
        return TrendBand(
            band=kind,
            y=top,
            height=_round(bottom - top),
            label_x=label_x,
            label_y=_round((top + bottom) / 2),
        )

    placed: list[ChartPoint] = []
    runs: list[list[ChartPoint]] = [[]]
    for point, x in zip(points, xs, strict=True):
        score: Score = getattr(point.scores, key)
        if score.value is None:
            runs.append([])
            continue
        clipped = score.value > high
        y = _y(score.value, low, high)
        marker = ""
        if clipped:
            # ▲ pointing off the top: there is more above than the chart shows.
            corners = ((x, y - 5), (x - 4.5, y + 3), (x + 4.5, y + 3))
            marker = " ".join(f"{_round(cx)},{_round(cy)}" for cx, cy in corners)
        placed.append(
            ChartPoint(
                x=x,
                y=y,
                observed_on=point.observed_on,
                url=point.url,
                clipped=clipped,
                score=score,
                marker=marker,
            )
        )
        runs[-1].append(placed[-1])
    paths = tuple("M" + " L".join(f"{p.x},{p.y}" for p in run) for run in runs if len(run) >= 2)
    tick_values = (Fraction(low), threshold.fair, threshold.good, Fraction(high))
    return TrendChart(
        key=key,
        low=low,
        high=high,
        bands=(
            band(Band.GOOD, y_high, y_good),
            band(Band.FAIR, y_good, y_fair),
            band(Band.BELOW_FAIR, y_fair, y_low),
        ),
        thresholds=(ThresholdLine(Band.GOOD, y_good), ThresholdLine(Band.FAIR, y_fair)),
        ticks=tuple(TrendTick(_y(v, low, high), _tick_label(key, v)) for v in tick_values),
        points=tuple(placed),
        paths=paths,
        date_labels=date_labels,
        observations=len(points),
    )


def trend_charts(points: Sequence[TrendPoint]) -> list[TrendChart]:
    """One chart per score, in the order of KEYS, sharing one time axis; [] when there
    is nothing to draw. `points` may come in any order; they are drawn by date."""
    if not points:
        return []
    ordered = _chronological(points)
    dates = [point.observed_on for point in ordered]
    xs = _xs(dates)
    labels = _date_labels(dates, xs)
    return [_chart(key, ordered, xs, labels) for key in KEYS]


def trend_rows(points: Sequence[TrendPoint]) -> list[TrendRow]:
    """The same observations as the charts, one table row each, oldest first (like the
    charts, left to right), with every score in the order of KEYS."""
    return [
        TrendRow(
            observed_on=point.observed_on,
            url=point.url,
            cells=tuple(TrendCell(key, getattr(point.scores, key)) for key in KEYS),
        )
        for point in _chronological(points)
    ]
