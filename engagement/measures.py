"""Every engagement measure, defined once: what it counts, its window, when it is too
thin to show, and the question it asks of the system when it is low. Dashboards, the CSV,
digests and drift rules read measures from here (docs/metrics.md explains each).

Measures are computed from sums that add up exactly (counts and rating totals from the
daily rollup, coded practice counts), so a facilitator's or program's figure is the sum
of its teams', never an average of averages."""

# The SQL below is composed of constant fragments of this module and engagement.rollups;
# every value is a query parameter. (S608 cannot tell the two apart.)
# ruff: noqa: S608

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache, partial

from django.db import connections, router
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from engagement.models import DailyRollup
from engagement.rollups import MONDAY, PERSON_COLUMNS, TEAM_COLUMNS, monday
from reflections.practice_scores import COUNT_FIELDS, scores_of

WINDOW_DAYS = 90
TREND_WEEKS = 12
# A mean of fewer family responses than this is not shown as a bare number.
MIN_RESPONSES = 5


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    # How it reads: "mean" (1–5), "share" (a percentage), "rate" (per 4 weeks), "ratio",
    # "count".
    kind: str
    # Below this the measure is low: the page asks the system question, never labels a
    # family.
    low: float
    question: str


MEASURES: tuple[Measure, ...] = (
    Measure("agency", _("Agency"), "mean", 3.0,
            _("Do families choose what the meeting works on?")),
    Measure("relevance", _("Relevance"), "mean", 3.0,
            _("Does the plan work on what matters to the family, in their words?")),
    Measure("partnership", _("Partnership"), "mean", 3.0,
            _("Are families treated as partners: asked, listened to, credited?")),
    Measure("participation", _("Family at meetings"), "share", 0.7,
            _("Are meetings held when and where the family can come?")),
    Measure("family_goal_share", _("Goal edits by families"), "share", 0.3,
            _("Do families get the pen: are goals written in their words?")),
    Measure("reflection_cadence", _("Reflections per team, 4 weeks"), "rate", 1.0,
            _("Is there time after meetings to reflect on practice?")),
    Measure("circle_attendance", _("Learning circle attendance"), "share", 0.6,
            _("Do circles fit facilitators' weeks, and are they worth coming to?")),
    Measure("rq", _("MI practice: R:Q"), "ratio", 1.0,
            _("Is there coaching on real conversations, and time to practise reflections?")),
    Measure("pct_cr", _("MI practice: %CR"), "share", 0.4,
            _("Is there coaching on real conversations, and time to practise reflections?")),
)  # fmt: skip
BY_KEY = {m.key: m for m in MEASURES}
# Open drift signals (engagement.drift): a count of the whole scope, not a column of each
# row; shown per rule and as a 12-week trend of how many were open at each week's end.
# A count has no "low".
DRIFT_OPEN = Measure("drift_open", _("Open drift signals"), "count", 0.0,
                     _("Which rule trips most, and what in our system makes it trip?"))  # fmt: skip


_counter = partial(defaultdict, int)


@dataclass
class Sums:
    """Additive raw material of the measures for one scope (a team, a facilitator, a
    program, everything)."""

    counts: dict[str, int] = field(default_factory=_counter)
    totals: dict[str, int] = field(default_factory=_counter)
    practice: dict[str, int] = field(default_factory=_counter)
    teams: int = 0

    def add(self, other: Sums) -> Sums:
        for source, target in (
            (other.counts, self.counts), (other.totals, self.totals),
            (other.practice, self.practice),
        ):  # fmt: skip
            for key, value in source.items():
                target[key] += value
        self.teams += other.teams
        return self


# Why a measure has no number, in words (translated when shown, so only what a page
# shows is translated).
REASONS = {
    "few": _("fewer than 5 responses (%(n)s)"),
    "no_responses": _("no responses"),
    "no_meetings": _("no meetings"),
    "no_goal_edits": _("no goal edits"),
    "no_teams": _("no teams"),
    "no_sessions": _("no sessions"),
    "not_observed": _("not observed"),
    "no_questions": _("no questions coded"),
    "no_reflections": _("no reflections coded"),
}


@lru_cache(maxsize=64)
def _reason(language: str | None, key: str) -> str:
    """A reason in words, translated once per language (a page shows hundreds)."""
    return str(REASONS[key])


@dataclass(frozen=True)
class Value:
    measure: Measure
    value: float | None
    # How many things it is based on (responses, meetings, goal edits, sessions…).
    n: int
    reason: str = ""

    @property
    def note(self) -> str:
        return self.note_in(get_language())

    def note_in(self, language: str | None) -> str:
        """Why there is no figure, in words of `language` (the active one: a page of
        hundreds of cells asks for it once)."""
        if not self.reason:
            return ""
        words = _reason(language, self.reason)
        return words % {"n": self.n} if self.reason == "few" else words

    @property
    def low(self) -> bool:
        return self.value is not None and self.value < self.measure.low

    @property
    def display(self) -> str:
        return self.display_in(get_language())

    def display_in(self, language: str | None) -> str:
        if self.value is None:
            return self.note_in(language)
        if self.measure.kind == "count":
            return f"{self.value:.0f}"
        if self.measure.kind == "share":
            return f"{self.value * 100:.0f} %"
        if self.measure.kind == "ratio":
            return f"{self.value:.2f}"
        return f"{self.value:.1f}"


def _share(part: int, whole: int, reason: str) -> tuple[float | None, str]:
    return (part / whole, "") if whole else (None, reason)


def mean_of(sums: Sums, key: str) -> Fraction | None:
    """The mean of one rating (1–5), exact, or None without responses. Dashboards hold
    back a mean of fewer than MIN_RESPONSES; a drift rule names its own sample (the last
    meetings) and uses the mean itself."""
    n = sums.counts[key]
    return Fraction(sums.totals[key], n) if n else None


def _rating(key: str):
    def value(sums: Sums, days: int) -> Value:
        n = sums.counts[key]
        if n < MIN_RESPONSES:
            return Value(BY_KEY[key], None, n, "few" if n else "no_responses")
        return Value(BY_KEY[key], float(mean_of(sums, key)), n)

    return value


def _participation(sums: Sums, days: int) -> Value:
    c = sums.counts
    value, note = _share(c["meetings_with_family"], c["meetings"], "no_meetings")
    return Value(BY_KEY["participation"], value, c["meetings"], note)


def _family_goal_share(sums: Sums, days: int) -> Value:
    c = sums.counts
    value, note = _share(c["family_goal_edits"], c["goal_edits"], "no_goal_edits")
    return Value(BY_KEY["family_goal_share"], value, c["goal_edits"], note)


def _reflection_cadence(sums: Sums, days: int) -> Value:
    team_periods = sums.teams * days / 28
    return Value(
        BY_KEY["reflection_cadence"],
        sums.counts["reflections"] / team_periods if team_periods else None,
        sums.counts["reflections"],
        "" if team_periods else "no_teams",
    )


def _circle_attendance(sums: Sums, days: int) -> Value:
    c = sums.counts
    sessions = c["circle_attended"] + c["circle_missed"]
    value, note = _share(c["circle_attended"], sessions, "no_sessions")
    return Value(BY_KEY["circle_attendance"], value, sessions, note)


def _practice(key: str):
    """MI practice: the pooled counts of the coded observations in the window, scored by
    the one definition (reflections.practice_scores)."""
    missing = {"rq": "no_questions", "pct_cr": "no_reflections"}[key]

    def value(sums: Sums, days: int) -> Value:
        observed = sums.practice.get("observations", 0)
        if not observed:
            return Value(BY_KEY[key], None, 0, "not_observed")
        number = getattr(scores_of(sums.practice), key).number
        if key == "pct_cr" and number is not None:
            number /= 100
        return Value(BY_KEY[key], number, observed, "" if number is not None else missing)

    return value


def practice_of(counts: Mapping[str, int | None]) -> tuple[Fraction | None, Fraction | None]:
    """R:Q and %CR (0–100) of one coding's counts, exact (None when not computable): the
    one definition (reflections.practice_scores) that the MI practice measure pools."""
    scores = scores_of(counts)
    return scores.rq.value, scores.pct_cr.value


def days_since(last: date | None, opened: date, today: date) -> int:
    """Days from the last time something happened on a team (or, if it never did, from
    the day the team opened) to `today`: the gap the drift rules compare."""
    since = max(last, opened) if last is not None else opened
    return (today - since).days


# Each measure's formula: (sums of one scope, days in the window) -> Value.
FORMULAS = {
    "agency": _rating("agency"),
    "relevance": _rating("relevance"),
    "partnership": _rating("partnership"),
    "participation": _participation,
    "family_goal_share": _family_goal_share,
    "reflection_cadence": _reflection_cadence,
    "circle_attendance": _circle_attendance,
    "rq": _practice("rq"),
    "pct_cr": _practice("pct_cr"),
}


def value_of(sums: Sums, key: str, *, days: int) -> Value:
    """One measure of one scope over a window of `days` days."""
    return FORMULAS[key](sums, days)


def values_of(sums: Sums, *, days: int) -> dict[str, Value]:
    """Every measure of one scope over a window of `days` days."""
    return {m.key: FORMULAS[m.key](sums, days) for m in MEASURES}


# --- reading the sums (selectors: reads only, a fixed number of queries) -----------------


def window(end: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    return end - timedelta(days=days - 1), end


RATINGS = ("agency", "relevance", "partnership")
_COUNTED = ("meetings", "meetings_with_family", "goal_edits", "family_goal_edits",
            "reflections")  # fmt: skip


def _add_team_row(target: Sums, row: Sequence[int | None]) -> None:
    """Add one summed team row (the rollup's TEAM_COLUMNS, in order) to `target`."""
    counts, totals = target.counts, target.totals
    for index, name in enumerate(_COUNTED):
        counts[name] += row[index] or 0
    for index, rating in enumerate(RATINGS):
        counts[rating] += row[5 + 2 * index] or 0
        totals[rating] += row[6 + 2 * index] or 0


_TEAM_SUMS = ", ".join(f"sum({name})" for name in TEAM_COLUMNS)
_TEAM_COLUMN_LIST = ", ".join(TEAM_COLUMNS)
# Full weeks come from a weekly rollup, the days the weeks don't cover (the window's
# edges, the trend's current week) from a daily one; each row says whether it counts for
# the window and for the trend, and one aggregate groups them both ways. The same parts
# read teams (engagement_weeklyrollup, engagement_dailyrollup) or whole programs
# (engagement_programrollup).
_SOURCES = {
    "teams": {
        "weeks": "engagement_weeklyrollup", "week": "week",
        "days": "engagement_dailyrollup", "day": "day", "id": "team_id", "span": "",
    },
    "programs": {
        "weeks": "engagement_programrollup", "week": "start",
        "days": "engagement_programrollup", "day": "start", "id": "program_id",
        "span": "AND span = '{}'",
    },
}  # fmt: skip


def _weeks_part(source: dict, ids: str) -> str:
    week, span = source["week"], source["span"].format("week")
    return f"""
    SELECT {source["id"]}, {week}, {week} BETWEEN %(ws)s AND %(we)s,
           {week} BETWEEN %(t0)s AND %(tfull)s, {_TEAM_COLUMN_LIST}
    FROM {source["weeks"]}
    WHERE {source["id"]} = ANY(%({ids})s) {span} AND {week} BETWEEN %(wlo)s AND %(whi)s"""


def _days_part(source: dict, ids: str, lo: str, hi: str) -> str:
    day, span = source["day"], source["span"].format("day")
    day_monday = MONDAY.format(day=day)
    return f"""
    SELECT {source["id"]}, {day_monday}, {day} BETWEEN %(start)s AND %(end)s,
           {day_monday} = %(partial)s, {_TEAM_COLUMN_LIST}
    FROM {source["days"]}
    WHERE {source["id"]} = ANY(%({ids})s) {span} AND {day} BETWEEN %({lo})s AND %({hi})s"""


def _rows_of(source: str, day_ranges: list, ids: str) -> str:
    """The rows of `source` ("teams" or "programs", ids in the parameter `ids`): full
    weeks, then each range of days."""
    parts = [_weeks_part(_SOURCES[source], ids)]
    parts += [_days_part(_SOURCES[source], ids, f"lo{i}", f"hi{i}") for i in range(len(day_ranges))]
    return (
        f"({' UNION ALL '.join(parts)}) AS rows "
        f"(id, week, in_window, in_trend, {_TEAM_COLUMN_LIST})"
    )


# Everything from the teams: per team, per week, and the total.
_GROUPED_TEAMS = f"""
    SELECT GROUPING(id) = 0, GROUPING(week) = 0, id, week, in_window, in_trend, {_TEAM_SUMS}
    FROM {{teams}}
    GROUP BY GROUPING SETS ((id, in_window), (week, in_trend), (in_window))"""
# Rows of some teams; weeks and the total from their whole programs.
_GROUPED_PROGRAMS = f"""
    SELECT TRUE, FALSE, id, NULL::date, in_window, NULL::boolean, {_TEAM_SUMS}
    FROM {{teams}}
    GROUP BY id, in_window
    UNION ALL
    SELECT FALSE, GROUPING(week) = 0, NULL, week, in_window, in_trend, {_TEAM_SUMS}
    FROM {{programs}}
    GROUP BY GROUPING SETS ((week, in_trend), (in_window))"""


def trend_weeks(end: date, weeks: int = TREND_WEEKS) -> list[date]:
    """The Mondays of the last `weeks` weeks up to `end`."""
    last_monday = monday(end)
    return [last_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def _plan(start: date, end: date, mondays: list[date]) -> tuple[dict, list[tuple[date, date]]]:
    """The parameters of the query, and the day ranges to read from the daily rollup."""
    first_full = start if start.weekday() == 0 else monday(start) + timedelta(weeks=1)
    last_full = monday(end) if end.weekday() == 6 else monday(end) - timedelta(weeks=1)
    partial = None if end.weekday() == 6 else monday(end)
    trend_full = mondays[-1] if partial is None else mondays[-1] - timedelta(weeks=1)
    if first_full <= last_full:
        days = [(start, first_full - timedelta(days=1)), (last_full + timedelta(weeks=1), end)]
    else:  # no full week in the window: every day of it
        days = [(start, end)]
    if partial is not None:
        days.append((partial, end))
    # Merge overlapping ranges (a day read twice would count twice).
    merged: list[tuple[date, date]] = []
    for lo, hi in sorted(r for r in days if r[0] <= r[1]):
        if merged and lo <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    week_ranges = [(first_full, last_full), (mondays[0], trend_full)]
    week_ranges = [r for r in week_ranges if r[0] <= r[1]] or [(end, start)]  # none
    params = {
        "start": start, "end": end, "ws": first_full, "we": last_full,
        "t0": mondays[0], "tfull": trend_full, "partial": partial,
        "wlo": min(r[0] for r in week_ranges), "whi": max(r[1] for r in week_ranges),
    }  # fmt: skip
    return params, merged


def team_sums(
    team_ids: Iterable[int], start: date, end: date, *, weeks: int = TREND_WEEKS,
    programs: Iterable[int] | None = None,
) -> tuple[dict[int, Sums], list[tuple[date, Sums]], Sums]:  # fmt: skip
    """Per team: its rollup sums over [start, end]; (week start, Sums) for each of the
    last `weeks` weeks up to `end`, over the teams together; and the window's sums of
    all the teams. One query: full weeks from the weekly rollup, the remaining days from
    the daily rollup, each an index-only scan.

    `programs`: when the teams the weeks and the total are about are exactly these
    programs' teams, they are read from the program rollup (a few rows per program),
    and only `team_ids` (e.g. the rows on one page) are read team by team."""
    mondays = trend_weeks(end, weeks)
    params, day_ranges = _plan(start, end, mondays)
    for index, (lo, hi) in enumerate(day_ranges):
        params[f"lo{index}"], params[f"hi{index}"] = lo, hi
    params["teams"] = list(team_ids)
    teams = _rows_of("teams", day_ranges, "teams")
    if programs is None:
        sql = _GROUPED_TEAMS.format(teams=teams)
    else:
        params["programs"] = list(programs)
        sql = _GROUPED_PROGRAMS.format(
            teams=teams, programs=_rows_of("programs", day_ranges, "programs")
        )
    per_team: dict[int, Sums] = defaultdict(Sums)
    by_week: dict[date, Sums] = {m: Sums() for m in mondays}
    total = Sums()
    with connections[router.db_for_read(DailyRollup)].cursor() as cursor:
        # One round trip, one implicit transaction: a few thousand index entries are
        # read faster by one process than by starting parallel workers for them.
        cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = 0; {sql}", params)
        cursor.nextset()
        rows = cursor.fetchall()
    for is_team, is_week, team_id, week, in_window, in_trend, *sums in rows:
        if is_team:
            if in_window:
                _add_team_row(per_team[team_id], sums)
        elif is_week:
            if in_trend and week in by_week:
                _add_team_row(by_week[week], sums)
        elif in_window:
            _add_team_row(total, sums)
    return per_team, sorted(by_week.items()), total


_PERSON_SQL = f"""
    SELECT GROUPING(person_id) = 0, person_id,
           {", ".join(f"sum({name})" for name in PERSON_COLUMNS)}
    FROM engagement_dailyrollup
    WHERE person_id = ANY(%(people)s) AND organization_id = %(organization)s
      AND day BETWEEN %(start)s AND %(end)s
    GROUP BY GROUPING SETS ((person_id), ())"""
_PRACTICE_SQL = f"""
    SELECT GROUPING(facilitator_id) = 0, facilitator_id, count(*),
           {", ".join(f"sum({name})" for name in COUNT_FIELDS)}
    FROM reflections_practiceobservation
    WHERE facilitator_id = ANY(%(people)s) AND organization_id = %(organization)s
      AND completed_at IS NOT NULL AND observed_on BETWEEN %(start)s AND %(end)s
    GROUP BY GROUPING SETS ((facilitator_id), ())"""


def person_sums(
    person_ids: Iterable[int], organization_id: int, start: date, end: date
) -> tuple[dict[int, Sums], Sums]:
    """Per person, and for all of them together: circle attendance from the rollup and
    coded practice (the pooled counts of their completed observations). Two queries."""
    params = {"people": list(person_ids), "organization": organization_id,
              "start": start, "end": end}  # fmt: skip
    sums: dict[int, Sums] = defaultdict(Sums)
    total = Sums()
    with connections[router.db_for_read(DailyRollup)].cursor() as cursor:
        cursor.execute(_PERSON_SQL, params)
        for is_person, person_id, *counts in cursor.fetchall():
            target = (sums[person_id] if is_person else total).counts
            for name, count in zip(PERSON_COLUMNS, counts, strict=True):
                target[name] += count or 0
        cursor.execute(_PRACTICE_SQL, params)
        for is_person, person_id, observations, *counts in cursor.fetchall():
            target = (sums[person_id] if is_person else total).practice
            for name, count in zip(COUNT_FIELDS, counts, strict=True):
                target[name] += count or 0
            target["observations"] += observations
    return sums, total


def combined(parts: Iterable[Sums]) -> Sums:
    total = Sums()
    for part in parts:
        total.add(part)
    return total


def sums_for_team(team_sum: Sums | None, facilitator_sums: Mapping[int, Sums], ids) -> Sums:
    """A team's own sums plus its facilitators' (circle attendance, coded practice)."""
    sums = Sums(teams=1)
    if team_sum is not None:
        sums.counts.update(team_sum.counts)
        sums.totals.update(team_sum.totals)
        sums.practice.update(team_sum.practice)
    for person_id in ids:
        person = facilitator_sums.get(person_id)
        if person is not None:
            for key in ("circle_attended", "circle_missed"):
                sums.counts[key] += person.counts.get(key, 0)
            for key, value in person.practice.items():
                sums.practice[key] += value
    return sums
