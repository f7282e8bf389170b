"""Reads for the engagement dashboards: rows of teams, facilitators or programs with every
measure (engagement.measures), totals, and 12-week trends, for exactly the teams the
actor may see (communities.access.teams_in_scope), filtered. Selectors only read; a
fixed number of queries whatever the number of teams or events, and never the raw
events (the daily rollup)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, partial
from typing import NamedTuple

from django.db import connections
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from communities.access import Actor, teams_in_scope
from communities.models import FamilyTeam, Phase, Role
from engagement import measures
from engagement.measures import MEASURES, Sums, Value
from engagement.models import EngagementEvent, MeetingCheckIn
from reflections.models import Reflection

GROUPS = ("team", "facilitator", "program")
# Rows on one page of the dashboard (the CSV has them all).
PAGE_SIZE = 50
# Measures with a weekly trend (team measures; circles and coded practice are too sparse
# for a weekly line).
TREND_KEYS = (
    "agency", "relevance", "partnership", "participation", "family_goal_share",
    "reflection_cadence",
)  # fmt: skip
# The chart's scale for each kind of measure.
SCALES = {"mean": (1.0, 5.0), "share": (0.0, 1.0), "rate": (0.0, 4.0), "ratio": (0.0, 3.0)}


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    group: str = "team"
    program: int | None = None
    facilitator: int | None = None
    phase: str = ""
    sort: str = ""
    page: int = 1

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class TeamRef(NamedTuple):
    """What a dashboard row shows of its team (no model instance per row)."""

    pk: int
    name: str
    program_id: int
    program_name: str
    phase: str
    phase_label: str
    facilitators: tuple[int, ...] = ()


@dataclass
class Row:
    """One row of the dashboard: a scope's sums, and its measures computed when asked for
    (sorting 2,000 rows on one column computes that column only)."""

    key: str  # "team:12"
    label: str
    # The scope's sums, or how to add them up when first needed (a page shows 50 rows).
    source: Sums | Callable[[], Sums]
    days: int
    team: TeamRef | None = None
    detail: str = ""
    _values: dict[str, Value] = field(default_factory=dict, repr=False)

    @cached_property
    def sums(self) -> Sums:
        return self.source if isinstance(self.source, Sums) else self.source()

    def value(self, key: str) -> Value:
        value = self._values.get(key)
        if value is None:
            value = self._values[key] = measures.value_of(self.sums, key, days=self.days)
        return value

    @property
    def values(self) -> dict[str, Value]:
        return {m.key: self.value(m.key) for m in MEASURES}

    @property
    def cells(self) -> list[Value]:
        return [self.value(m.key) for m in MEASURES]

    @property
    def low(self) -> list[Value]:
        return [v for v in self.cells if v.low]


@dataclass
class Scope:
    """Every team the actor may see, with its program, phase and facilitators (one
    query); the filters' choices come from it, and filtering happens on it."""

    teams: list[TeamRef]
    names: dict[int, str]  # facilitator id -> name

    @property
    def choices(self) -> dict:
        programs = sorted({(t.program_id, t.program_name) for t in self.teams}, key=_by_name)
        people = sorted(self.names.items(), key=_by_name)
        return {"programs": programs, "facilitators": people}

    def filtered(self, filters: Filters) -> list[TeamRef]:
        return [
            t for t in self.teams
            if (not filters.program or t.program_id == filters.program)
            and (not filters.facilitator or filters.facilitator in t.facilitators)
            and (not filters.phase or t.phase == filters.phase)
        ]  # fmt: skip


def _by_name(item: tuple[int, str]) -> tuple[str, int]:
    return item[1].casefold(), item[0]


# The scope in one round trip: the teams (in program and name order), which facilitator
# works with which team, and the facilitators' names. Flat rows as PostgreSQL sends them:
# Django's per-value conversions, or arrays of names aggregated per team, cost more than
# the query (docs/benchmarks.md).
_SCOPE_SQL = """
WITH scope (id) AS MATERIALIZED ({teams})
SELECT 0, t.id, t.name, t.program_id, p.name, t.phase
FROM communities_familyteam t JOIN communities_program p ON p.id = t.program_id
WHERE t.id IN (SELECT id FROM scope)
UNION ALL
SELECT 1, f.familyteam_id, NULL, f.user_id, NULL, NULL
FROM communities_familyteam_facilitators f WHERE f.familyteam_id IN (SELECT id FROM scope)
UNION ALL
SELECT 2, u.id, coalesce(nullif(u.name, ''), u.email), NULL, NULL, NULL
FROM communities_user u
WHERE u.id IN (SELECT f.user_id FROM communities_familyteam_facilitators f
               WHERE f.familyteam_id IN (SELECT id FROM scope))"""


def dashboard_scope(actor: Actor) -> Scope:
    """The teams in the actor's scope (communities.access.teams_in_scope), ordered by
    program and name, with their facilitators. One query."""
    phases = {code: str(label) for code, label in Phase.choices}  # one gettext each
    in_scope = teams_in_scope(actor).order_by().values("pk")
    scope_sql, params = in_scope.query.sql_with_params()
    with connections[in_scope.db].cursor() as cursor:
        cursor.execute(_SCOPE_SQL.format(teams=scope_sql), params)
        rows = cursor.fetchall()
    teams: list[tuple] = []
    people: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for kind, pk, name, other, program_name, phase in rows:
        if kind == 0:
            teams.append((pk, name, other, program_name, phase))
        elif kind == 1:
            people[pk].append(other)
        else:
            names[pk] = name
    # Program, then name order; Python's order of str is the database's ("C" collation).
    teams.sort(key=lambda t: (t[3], t[1], t[0]))
    refs = [
        TeamRef(pk, name, program_id, program_name, phase, phases.get(phase, phase),
                tuple(sorted(people.get(pk, ()))))
        for pk, name, program_id, program_name, phase in teams
    ]  # fmt: skip
    return Scope(refs, names)


def _trend(weekly: list[tuple[date, Sums]], *, teams: int) -> list[dict]:
    labels = {week: date_format(week, "DATE_FORMAT") for week, _ in weekly}
    series = []
    for key in TREND_KEYS:
        measure = measures.BY_KEY[key]
        low, high = SCALES[measure.kind]
        points = []
        for week, sums in weekly:
            sums.teams = teams
            points.append((week, measures.value_of(sums, key, days=7)))
        series.append(chart(measure, points, low, high, labels))
    return series


def open_signals_trend(weekly: list[tuple[date, int]]) -> dict:
    """The open drift signals at the end of each week, as a chart like the measures'."""
    labels = {week: date_format(week, "DATE_FORMAT") for week, _n in weekly}
    points = [(week, Value(measures.DRIFT_OPEN, float(n), n)) for week, n in weekly]
    high = float(max([n for _week, n in weekly] + [4]))
    return chart(measures.DRIFT_OPEN, points, 0.0, high, labels)


def chart(
    measure, points: list[tuple[date, Value]], low: float, high: float, labels: dict[date, str]
) -> dict:
    """Coordinates for a small SVG line (viewBox 0 0 300 100), a gap where a week has no
    value, the measure's low line, and the table of the same points (week label, value)."""
    width, height, left, top = 300, 100, 6, 6
    plot_w, plot_h = width - 2 * left, height - 2 * top

    def y(v: float) -> float:
        clipped = min(max(v, low), high)
        return round(top + plot_h * (1 - (clipped - low) / (high - low)), 1)

    step = plot_w / max(len(points) - 1, 1)
    dots, paths, current = [], [], []
    for index, (week, value) in enumerate(points):
        x = round(left + index * step, 1)
        if value.value is None:
            if len(current) > 1:
                paths.append(" ".join(current))
            current = []
            continue
        current.append(f"{'M' if not current else 'L'}{x},{y(value.value)}")
        dots.append({"x": x, "y": y(value.value), "week": week, "value": value})
    if len(current) > 1:
        paths.append(" ".join(current))
    return {
        "measure": measure,
        "points": points,
        "rows": [(labels[week], value) for week, value in points],
        "label": str(measure.label),
        "dots": dots,
        "paths": paths,
        "low_y": None if measure.kind == "count" else y(measure.low),  # a count has no low
    }


def dashboard(
    actor: Actor, filters: Filters, scope: Scope | None = None, *, every_row: bool = False
) -> dict:
    """The rows, totals and trends the actor's dashboard shows with these filters (and,
    with `every_row`, every row rather than one page's: the CSV). Rows add up their sums
    and compute their measures when shown or sorted on, so 2,000 teams cost one column,
    not 2,000 × every measure; and when the teams are whole programs and the rows are
    in name order, only the page's teams are read one by one (the totals and the trend
    come from the program rollup)."""
    scope = scope or dashboard_scope(actor)
    names = scope.names
    teams = scope.filtered(filters)
    facilitators_of = {t.pk: t.facilitators for t in teams}
    in_use = {p for ids in facilitators_of.values() for p in ids}
    whole_programs = actor.role in (Role.ADMIN, Role.SUPERVISOR) and not (
        filters.facilitator or filters.phase
    )
    page_only = (
        filters.group == "team" and whole_programs and not every_row
        and filters.sort.lstrip("-") not in measures.BY_KEY
    )  # fmt: skip
    page, pages = _page(filters.page, len(teams))
    listed = teams
    if page_only:
        if filters.sort.lstrip("-") == "name":
            listed = sorted(
                teams, key=lambda t: t.name.lower(), reverse=filters.sort.startswith("-")
            )
        listed = listed[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        team_sums, weekly, team_total = measures.team_sums(
            [t.pk for t in listed], filters.start, filters.end,
            programs=sorted({t.program_id for t in teams}),
        )  # fmt: skip
    else:
        team_sums, weekly, team_total = measures.team_sums(
            [t.pk for t in teams], filters.start, filters.end
        )
    person_sums, person_total = measures.person_sums(
        in_use, actor.organization.pk, filters.start, filters.end
    )
    rows: list[Row] = []
    days = filters.days
    if filters.group == "team":
        for team in listed:
            mine = facilitators_of[team.pk]
            sums = partial(measures.sums_for_team, team_sums.get(team.pk), person_sums, mine)
            detail = ", ".join(names.get(p, "") for p in mine)
            rows.append(Row(f"team:{team.pk}", team.name, sums, days, team, detail))
    elif filters.group == "facilitator":
        teams_of: dict[int, list[TeamRef]] = defaultdict(list)
        for team in teams:
            for person_id in team.facilitators:
                teams_of[person_id].append(team)
        for person_id, name in sorted(
            ((p, n) for p, n in names.items() if p in in_use), key=lambda item: item[1]
        ):
            mine = teams_of[person_id]
            sums = measures.combined(team_sums.get(t.pk, Sums()) for t in mine)
            sums.teams = len(mine)
            sums.add(person_sums.get(person_id, Sums()))
            rows.append(Row(f"facilitator:{person_id}", name, sums, days, None, f"{len(mine)}"))
    else:
        in_program: dict[tuple[int, str], list[TeamRef]] = defaultdict(list)
        for team in teams:
            in_program[team.program_id, team.program_name].append(team)
        for (program_id, program_name), mine in sorted(
            in_program.items(), key=lambda item: item[0][1]
        ):
            sums = measures.combined(team_sums.get(t.pk, Sums()) for t in mine)
            sums.teams = len(mine)
            members = {p for t in mine for p in facilitators_of[t.pk]}
            sums.add(measures.combined(person_sums.get(p, Sums()) for p in members))
            rows.append(Row(f"program:{program_id}", program_name, sums, days, None,
                            f"{len(mine)}"))  # fmt: skip
    _sort(rows, filters.sort)
    if not page_only:
        page, pages = _page(filters.page, len(rows))
    total = measures.combined([team_total, person_total])
    total.teams = len(teams)
    totals = Row("total", "", total, days)
    shown = rows if page_only else rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return {
        "all_rows": rows if every_row else None,
        "rows": shown,
        "page": page,
        "pages": pages,
        "totals": totals,
        "questions": system_questions(totals, shown),
        "trends": _trend(weekly, teams=len(teams)),
        "team_count": len(teams),
    }


def system_questions(totals: Row, rows: list[Row]) -> list[dict]:
    """The model's question for each measure that is low over everything shown, or in
    some of the rows shown (with how many: a sort by that measure lists them first).
    Low over everything comes first. A question about the system, never a label."""
    questions = []
    for measure in MEASURES:
        total = totals.value(measure.key)
        rows_low = sum(1 for row in rows if row.value(measure.key).low)
        if total.low or rows_low:
            questions.append({"measure": measure, "total": total, "rows_low": rows_low})
    questions.sort(key=lambda q: not q["total"].low)
    return questions


def _page(asked: int, count: int) -> tuple[int, int]:
    """The page shown (the one asked for, within range) and how many there are."""
    pages = max(1, -(-count // PAGE_SIZE))
    return min(max(asked, 1), pages), pages


def _sort(rows: list[Row], sort: str) -> None:
    key = sort.lstrip("-")
    if key in measures.BY_KEY:
        # Rows with a figure, lowest (or highest) first; rows without one (no responses,
        # fewer than 5) after them either way, so the rows a question starts in lead.
        figured = [r for r in rows if r.value(key).value is not None]
        figured.sort(key=lambda r: r.value(key).value, reverse=sort.startswith("-"))
        rows[:] = figured + [r for r in rows if r.value(key).value is None]
    elif key == "name":
        rows.sort(key=lambda r: r.label.lower(), reverse=sort.startswith("-"))


# --- one team, drilled into ------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    when: object
    kind: str
    text: str


def team_timeline(team: FamilyTeam, start: date, end: date, *, limit: int = 200) -> dict:
    """A team's meetings, check-ins (with the family's word), goal edits, reflections and
    its facilitators' circle attendance in [start, end], newest first; its measures and
    trend. Reads one team's rows only (indexed by team). Seven queries."""
    facilitator_ids = list(team.facilitators.values_list("pk", flat=True))
    labels = dict(EngagementEvent.Kind.choices)
    moments: list[Moment] = []
    team_kinds = ["meeting_held", "meeting_without_family", "goal_created", "goal_edited",
                  "goal_restored", "step_done", "comment"]  # fmt: skip
    events = EngagementEvent.objects.filter(
        team=team, kind__in=team_kinds, occurred_at__date__range=(start, end)
    ).order_by("-occurred_at")[:limit]
    for event in events:
        who = _("the family") if event.actor_role == "family" else _("staff")
        moments.append(Moment(event.occurred_at, event.kind, f"{labels[event.kind]} ({who})"))
    checkins = MeetingCheckIn.objects.filter(
        meeting__team=team, submitted_at__date__range=(start, end)
    ).order_by("-submitted_at")[:limit]
    for c in checkins:
        text = _("Check-in: agency %(a)s, relevance %(r)s, partnership %(p)s") % {
            "a": c.agency or "—",
            "r": c.relevance or "—",
            "p": c.partnership or "—",
        }
        moments.append(
            Moment(c.submitted_at, "checkin", f"{text}{f' · “{c.word}”' if c.word else ''}")
        )
    for reflection in Reflection.objects.filter(
        team=team, created_at__date__range=(start, end)
    ).order_by("-created_at")[:limit]:
        moments.append(Moment(reflection.created_at, "reflection", _("Reflection logged")))
    circles = EngagementEvent.objects.filter(
        actor_id__in=facilitator_ids, kind__in=["circle_attended", "circle_missed"],
        occurred_at__date__range=(start, end),
    ).order_by("-occurred_at")[:limit]  # fmt: skip
    for event in circles:
        moments.append(Moment(event.occurred_at, event.kind, labels[event.kind]))
    moments.sort(key=lambda m: m.when, reverse=True)
    team_sums, weekly, _total = measures.team_sums([team.pk], start, end)
    people, _people_total = measures.person_sums(
        facilitator_ids, team.program.organization_id, start, end
    )
    sums = measures.sums_for_team(team_sums.get(team.pk), people, facilitator_ids)
    values = measures.values_of(sums, days=(end - start).days + 1)
    return {
        "moments": moments[:limit],
        "values": [values[m.key] for m in MEASURES],
        "trends": _trend(weekly, teams=1),
    }
