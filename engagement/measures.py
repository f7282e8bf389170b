"""Every engagement measure, defined once: what it counts, its window, when it is too
thin to show, and the question it asks of the system when it is low. Dashboards, the CSV,
digests and drift rules read measures from here (docs/metrics.md explains each).

Measures are computed from sums that add up exactly (counts and rating totals from the
daily rollup, coded practice counts), so a facilitator's or program's figure is the sum
of its teams', never an average of averages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy as _

from engagement.models import DailyRollup
from engagement.rollups import COLUMNS as ROLLUP_COLUMNS
from reflections.models import PracticeObservation
from reflections.practice_scores import COUNT_FIELDS, scores_of

WINDOW_DAYS = 90
TREND_WEEKS = 12
# A mean of fewer family responses than this is not shown as a bare number.
MIN_RESPONSES = 5


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    # How it reads: "mean" (1–5), "share" (a percentage), "rate" (per 4 weeks), "ratio".
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


@dataclass
class Sums:
    """Additive raw material of the measures for one scope (a team, a facilitator, a
    program, everything)."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    totals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    practice: dict[str, int] = field(default_factory=lambda: defaultdict(int))
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


@dataclass(frozen=True)
class Value:
    measure: Measure
    value: float | None
    # How many things it is based on (responses, meetings, goal edits, sessions…).
    n: int
    reason: str = ""

    @property
    def note(self) -> str:
        if not self.reason:
            return ""
        return (
            str(REASONS[self.reason]) % {"n": self.n}
            if self.reason == "few"
            else str(REASONS[self.reason])
        )

    @property
    def low(self) -> bool:
        return self.value is not None and self.value < self.measure.low

    @property
    def display(self) -> str:
        if self.value is None:
            return str(self.note)
        if self.measure.kind == "share":
            return f"{self.value * 100:.0f} %"
        if self.measure.kind == "ratio":
            return f"{self.value:.2f}"
        return f"{self.value:.1f}"

    @property
    def sort_key(self) -> float:
        return -1.0 if self.value is None else self.value


def _share(part: int, whole: int, reason: str) -> tuple[float | None, str]:
    return (part / whole, "") if whole else (None, reason)


def values_of(sums: Sums, *, days: int) -> dict[str, Value]:
    """Every measure of one scope over a window of `days` days."""
    c, t = sums.counts, sums.totals
    values: dict[str, Value] = {}
    for key in ("agency", "relevance", "partnership"):
        n = c[key]
        if n < MIN_RESPONSES:
            values[key] = Value(BY_KEY[key], None, n, "few" if n else "no_responses")
        else:
            values[key] = Value(BY_KEY[key], t[key] / n, n)
    value, note = _share(c["meetings_with_family"], c["meetings"], "no_meetings")
    values["participation"] = Value(BY_KEY["participation"], value, c["meetings"], note)
    value, note = _share(c["family_goal_edits"], c["goal_edits"], "no_goal_edits")
    values["family_goal_share"] = Value(BY_KEY["family_goal_share"], value, c["goal_edits"], note)
    team_periods = sums.teams * days / 28
    values["reflection_cadence"] = Value(
        BY_KEY["reflection_cadence"],
        c["reflections"] / team_periods if team_periods else None,
        c["reflections"],
        "" if team_periods else "no_teams",
    )
    sessions = c["circle_attended"] + c["circle_missed"]
    value, note = _share(c["circle_attended"], sessions, "no_sessions")
    values["circle_attendance"] = Value(BY_KEY["circle_attendance"], value, sessions, note)
    # MI practice: the pooled counts of the coded observations in the window, scored by
    # the one definition (reflections.practice_scores).
    observed = sums.practice.get("observations", 0)
    scores = scores_of(sums.practice)
    missing = {"rq": "no_questions", "pct_cr": "no_reflections"}
    for key, score in (("rq", scores.rq), ("pct_cr", scores.pct_cr)):
        number = score.number
        if key == "pct_cr" and number is not None:
            number /= 100
        reason = ("" if number is not None else missing[key]) if observed else "not_observed"
        values[key] = Value(BY_KEY[key], number if observed else None, observed, reason)
    return values


# --- reading the sums (selectors: reads only, a fixed number of queries) -----------------


def window(end: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    return end - timedelta(days=days - 1), end


RATINGS = ("agency", "relevance", "partnership")
_COUNTED = ("meetings", "meetings_with_family", "goal_edits", "family_goal_edits",
            "reflections", "circle_attended", "circle_missed")  # fmt: skip
_SUMMED = {name: Sum(name) for name in ROLLUP_COLUMNS}


def _add_row(target: Sums, row: dict) -> None:
    """Add one summed rollup row (a dict of the rollup's columns) to `target`."""
    counts, totals = target.counts, target.totals
    for name in _COUNTED:
        counts[name] += row[name] or 0
    for rating in RATINGS:
        counts[rating] += row[f"{rating}_n"] or 0
        totals[rating] += row[f"{rating}_total"] or 0


def _ids(team_ids: Iterable[int] | QuerySet):
    """A list of ids, or a subquery of them: PostgreSQL plans a subquery of hundreds of
    teams as index-only scans per team, where a long literal list tempts a scan."""
    return team_ids if isinstance(team_ids, QuerySet) else list(team_ids)


def team_sums(team_ids: Iterable[int] | QuerySet, start: date, end: date) -> dict[int, Sums]:
    """Per team: its rollup sums over [start, end]. One query."""
    sums: dict[int, Sums] = defaultdict(Sums)
    rows = (
        DailyRollup.objects.filter(team_id__in=_ids(team_ids), day__range=(start, end))
        .values("team_id")
        .annotate(**_SUMMED)
    )
    for row in rows:
        _add_row(sums[row["team_id"]], row)
    return sums


def person_sums(
    person_ids: Iterable[int], organization_id: int, start: date, end: date
) -> dict[int, Sums]:
    """Per person: circle attendance from the rollup and coded practice. Two queries."""
    ids = list(person_ids)
    sums: dict[int, Sums] = defaultdict(Sums)
    rows = (
        DailyRollup.objects.filter(
            person_id__in=ids, organization_id=organization_id, day__range=(start, end)
        )
        .values("person_id")
        .annotate(**_SUMMED)
    )
    for row in rows:
        _add_row(sums[row["person_id"]], row)
    practice = (
        PracticeObservation.objects.filter(
            facilitator_id__in=ids, organization_id=organization_id,
            completed_at__isnull=False, observed_on__range=(start, end),
        )
        .values("facilitator_id")
        .annotate(observations=Count("pk"), **{f"sum_{name}": Sum(name) for name in COUNT_FIELDS})
    )  # fmt: skip
    for row in practice:
        target = sums[row["facilitator_id"]].practice
        for name in COUNT_FIELDS:
            target[name] += row[f"sum_{name}"] or 0
        target["observations"] += row["observations"]
    return sums


def weekly_sums(
    team_ids: Iterable[int] | QuerySet, end: date, weeks: int = TREND_WEEKS
) -> list[tuple]:
    """(week start, Sums) for each of the last `weeks` weeks up to `end`, over the given
    teams together. One query."""
    last_monday = end - timedelta(days=end.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    by_week: dict[date, Sums] = {first + timedelta(weeks=i): Sums() for i in range(weeks)}
    rows = (
        DailyRollup.objects.filter(team_id__in=_ids(team_ids), day__range=(first, end))
        .annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(**_SUMMED)
    )
    for row in rows:
        week = row["week"]
        week = week.date() if hasattr(week, "date") else week
        if week in by_week:
            _add_row(by_week[week], row)
    return sorted(by_week.items())


def combined(parts: Iterable[Sums]) -> Sums:
    total = Sums()
    for part in parts:
        total.add(part)
    return total


def sums_for_team(team_sum: Sums | None, facilitator_sums: Mapping[int, Sums], ids) -> Sums:
    """A team's own sums plus its facilitators' (circle attendance, coded practice)."""
    sums = Sums(teams=1)
    if team_sum is not None:
        sums.add(team_sum)
    for person_id in ids:
        person = facilitator_sums.get(person_id)
        if person is not None:
            for key in ("circle_attended", "circle_missed"):
                sums.counts[key] += person.counts.get(key, 0)
            for key, value in person.practice.items():
                sums.practice[key] += value
    return sums
