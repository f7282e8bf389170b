"""The practice trend: geometry of the small multiples (bands exactly at the MITI
thresholds, points at their values, gaps where a score is missing, R:Q clipped at 3) and
the fragment that draws them with its text table, in English and Spanish. Pure
computation and template rendering: no database."""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from reflections.practice_scores import THRESHOLDS, Scores, scores_of
from reflections.practice_trend import (
    DATA_LEFT,
    DATA_RIGHT,
    DOMAINS,
    PLOT_HEIGHT,
    PLOT_TOP,
    TrendChart,
    TrendPoint,
    trend_charts,
    trend_rows,
)

TEMPLATE = "reflections/_practice_trend.html"


@pytest.fixture(autouse=True)
def prompt_library() -> None:
    """Overrides tests/reflections/conftest.py's autouse fixture, which loads the
    prompts into the database: nothing here touches it."""


def observation(
    simple: int = 3,
    complex_: int = 3,
    questions: int = 4,
    technical: tuple[int | None, int | None] = (3, 3),
    relational: tuple[int | None, int | None] = (4, 4),
) -> Scores:
    return scores_of(
        {
            "simple_reflection": simple,
            "complex_reflection": complex_,
            "question": questions,
            "cultivating_change_talk": technical[0],
            "softening_sustain_talk": technical[1],
            "partnership": relational[0],
            "empathy": relational[1],
        }
    )


def chart(charts: list[TrendChart], key: str) -> TrendChart:
    return next(c for c in charts if c.key == key)


def render(points: list[TrendPoint]) -> str:
    return render_to_string(TEMPLATE, {"charts": trend_charts(points), "rows": trend_rows(points)})


def y_of(key: str, value: Fraction) -> float:
    low, high = DOMAINS[key]
    return round(float(PLOT_TOP + (high - value) / (high - low) * PLOT_HEIGHT), 1)


TWO = [
    # R:Q 3/5 = 0.60 (below fair); %CR 1/3 = 33 %; globals 3.0 and 4.0
    TrendPoint(date(2026, 3, 3), observation(2, 1, 5), url="/observations/1/"),
    # R:Q 9/5 = 1.80 (fair); %CR 3/9 = 33 %
    TrendPoint(date(2026, 11, 2), observation(6, 3, 5)),
]


def test_it_draws_one_chart_per_score_each_on_its_own_scale() -> None:
    charts = trend_charts(TWO)

    assert [c.key for c in charts] == ["rq", "pct_cr", "technical", "relational"]
    assert [(c.low, c.high) for c in charts] == [(0, 3), (0, 100), (1, 5), (1, 5)]
    assert [c.title for c in charts] == [
        "Reflections to questions (R:Q)",
        "Complex reflections (%CR)",
        "Technical global",
        "Relational global",
    ]
    assert [t.label for t in chart(charts, "pct_cr").ticks] == ["0 %", "40 %", "50 %", "100 %"]
    assert [t.label for t in chart(charts, "relational").ticks] == ["1", "3.5", "4", "5"]


@pytest.mark.parametrize("key", ["rq", "pct_cr", "technical", "relational"])
def test_it_draws_the_bands_exactly_at_the_thresholds(key: str) -> None:
    fair, good = THRESHOLDS[key].fair, THRESHOLDS[key].good
    good_band, fair_band, below_band = chart(trend_charts(TWO), key).bands

    assert [b.key for b in (good_band, fair_band, below_band)] == ["good", "fair", "below_fair"]
    assert good_band.y == PLOT_TOP
    assert good_band.y + good_band.height == y_of(key, good)
    assert fair_band.y == y_of(key, good)
    assert fair_band.y + fair_band.height == y_of(key, fair)
    assert below_band.y == y_of(key, fair)
    assert below_band.y + below_band.height == PLOT_TOP + PLOT_HEIGHT
    assert [line.y for line in chart(trend_charts(TWO), key).thresholds] == [
        y_of(key, good),
        y_of(key, fair),
    ]


def test_it_starts_the_fair_band_of_pct_cr_at_40_percent_of_the_plot() -> None:
    _good, fair_band, below_band = chart(trend_charts(TWO), "pct_cr").bands

    # 0–100 over a plot of PLOT_HEIGHT: fair is 40 % up from the bottom, good 50 %.
    assert fair_band.y + fair_band.height == PLOT_TOP + 0.6 * PLOT_HEIGHT
    assert fair_band.y == PLOT_TOP + 0.5 * PLOT_HEIGHT
    assert below_band.height == 0.4 * PLOT_HEIGHT
    assert [band.label for band in chart(trend_charts(TWO), "pct_cr").bands] == [
        "good",
        "fair",
        "below fair",
    ]


def test_it_places_each_point_at_its_value() -> None:
    # R:Q 20/40 = 0.5, %CR 9/20 = 45, technical (3+4)/2 = 3.5, relational (4+5)/2 = 4.5
    scores = observation(11, 9, 40, technical=(3, 4), relational=(4, 5))
    charts = trend_charts([TrendPoint(date(2026, 3, 3), scores)])

    assert chart(charts, "rq").points[0].y == y_of("rq", Fraction(1, 2)) == 110.0
    assert chart(charts, "pct_cr").points[0].y == y_of("pct_cr", Fraction(45)) == 76.0
    assert chart(charts, "technical").points[0].y == y_of("technical", Fraction(7, 2)) == 55.0
    assert chart(charts, "relational").points[0].y == 25.0
    assert chart(charts, "rq").points[0].display == "0.50"
    assert chart(charts, "rq").points[0].band_label == "below fair"


def test_it_spaces_points_by_date_and_sorts_them() -> None:
    points = [
        TrendPoint(date(2026, 1, 31), observation()),
        TrendPoint(date(2026, 1, 1), observation()),
        TrendPoint(date(2026, 1, 11), observation()),
    ]
    rq = chart(trend_charts(points), "rq")

    assert [p.observed_on.day for p in rq.points] == [1, 11, 31]
    assert [p.x for p in rq.points] == [
        DATA_LEFT,
        round(DATA_LEFT + 10 / 30 * (DATA_RIGHT - DATA_LEFT), 1),
        DATA_RIGHT,
    ]
    assert [row.observed_on.day for row in trend_rows(points)] == [1, 11, 31]


def test_it_spreads_points_of_the_same_day() -> None:
    day = date(2026, 4, 7)
    points = [TrendPoint(day, observation()), TrendPoint(day, observation())]
    xs = [p.x for p in chart(trend_charts(points), "rq").points]

    assert xs[0] < xs[1]
    assert xs[0] + xs[1] == DATA_LEFT + DATA_RIGHT  # around the centre
    assert len(chart(trend_charts(points), "rq").date_labels) == 1


def test_it_centres_a_single_observation() -> None:
    charts = trend_charts([TWO[0]])
    rq = chart(charts, "rq")

    assert [p.x for p in rq.points] == [(DATA_LEFT + DATA_RIGHT) / 2]
    assert rq.paths == ()  # one dot, no line
    assert [(label.observed_on, label.anchor) for label in rq.date_labels] == [
        (date(2026, 3, 3), "middle")
    ]
    assert rq.summary == (
        "Reflections to questions (R:Q) over 1 observation: 0.60 (below fair) on March 3, 2026."
    )


def test_it_breaks_the_line_where_a_score_is_missing() -> None:
    points = [
        TrendPoint(date(2026, 3, d), observation(questions=0 if d == 3 else 4)) for d in range(1, 6)
    ]
    charts = trend_charts(points)

    assert len(chart(charts, "rq").paths) == 2
    assert len(chart(charts, "rq").points) == 4
    assert len(chart(charts, "pct_cr").paths) == 1
    assert chart(charts, "rq").summary.endswith("Not scored in 1 observation.")
    assert trend_rows(points)[2].cells[0].display == "no questions coded"
    assert trend_rows(points)[2].cells[0].band_label == ""
    html = render(points)
    assert 'data-label="R:Q">no questions coded</td>' in html
    assert html.count('class="trend-line"') == 2 + 1 + 1 + 1


def test_it_clips_rq_above_3_in_the_chart_but_not_in_the_table() -> None:
    points = [TWO[0], TrendPoint(date(2026, 4, 1), observation(14, 7, 4))]  # R:Q 21/4
    rq = chart(trend_charts(points), "rq")
    high = rq.points[1]

    assert (high.clipped, high.y, high.display) == (True, PLOT_TOP, "5.25")
    assert high.marker.startswith(f"{high.x},{PLOT_TOP - 5}")
    assert not rq.points[0].clipped
    assert rq.clipped
    html = render(points)
    assert 'data-label="R:Q">5.25 · good</td>' in html
    assert "trend-point-clipped" in html
    assert "Above 3: drawn at the top edge" in html


def test_it_draws_nothing_without_observations() -> None:
    assert trend_charts([]) == []
    assert trend_rows([]) == []
    html = render([])
    assert "No coded observations yet." in html
    assert "<svg" not in html
    assert "<table" not in html


def test_it_summarises_each_chart_for_screen_readers() -> None:
    assert chart(trend_charts(TWO), "rq").summary == (
        "Reflections to questions (R:Q) over 2 observations, from 0.60 (below fair) on "
        "March 3, 2026 to 1.80 (fair) on Nov. 2, 2026."
    )
    no_questions = [TrendPoint(date(2026, 3, 3), observation(questions=0))]
    assert chart(trend_charts(no_questions), "rq").summary == (
        "Reflections to questions (R:Q): not scored in the 1 coded observation."
    )


def test_it_renders_charts_with_titles_and_a_table_with_values_and_bands() -> None:
    html = render(TWO)

    assert html.count('<svg class="trend-chart" viewBox="0 0 320 150" role="img"') == 4
    assert 'aria-labelledby="trend-rq-title trend-rq-desc"' in html
    assert '<title id="trend-rq-title">Reflections to questions (R:Q)</title>' in html
    assert '<desc id="trend-pct-cr-desc">Complex reflections (%CR) over 2 observations' in html
    assert ">below fair</text>" in html
    assert "<title>March 3, 2026: 0.60 · below fair</title>" in html
    assert '<table class="stacked trend-table">' in html
    assert "<caption>" in html
    headers = re.findall(r'<th scope="col">([^<]*)</th>', html)
    assert headers == ["Date", "R:Q", "%CR", "Technical", "Relational"]
    assert 'data-label="R:Q">0.60 · below fair</td>' in html
    assert 'data-label="R:Q">1.80 · fair</td>' in html
    assert 'data-label="%CR">33 % · below fair</td>' in html
    assert 'data-label="Technical">3.0 · fair</td>' in html
    assert 'data-label="Relational">4.0 · good</td>' in html
    # The observation is linked from the table, never from inside a role="img".
    assert '<a href="/observations/1/">March 3, 2026</a>' in html
    assert html.count("<a ") == 1
    assert "style=" not in html
    assert "<script" not in html


def test_it_formats_dates_in_spanish_and_keeps_coordinates_unlocalised() -> None:
    with translation.override("es"):
        html = render(TWO)
        summary = chart(trend_charts(TWO), "rq").summary

    assert '<a href="/observations/1/">3 de marzo de 2026</a>' in html
    assert "2 de noviembre de 2026" in summary
    assert "3 de marzo de 2026" in html.split("<desc")[1]
    # A decimal comma would break SVG coordinates.
    assert f'y="{y_of("rq", Fraction(1))}"' in html
    assert not re.search(r'(x|y|cx|cy|height)="\d+,\d"', html)
