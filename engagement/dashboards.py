"""Reads for the engagement dashboards: rows of teams, facilitators or programs with every
measure (engagement.measures), totals, and 12-week trends, for exactly the teams the
actor may see (communities.access.teams_in_scope), filtered. Selectors only read; a
fixed number of queries whatever the number of teams or events, and never the raw
events (the daily rollup)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from communities.access import Actor, teams_in_scope
from communities.models import FamilyTeam, Program, User
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


@dataclass
class Row:
    key: str  # "team:12"
    label: str
    team: FamilyTeam | None = None
    detail: str = ""
    values: dict[str, Value] = field(default_factory=dict)

    @property
    def cells(self) -> list[Value]:
        return [self.values[m.key] for m in MEASURES]

    @property
    def low(self) -> list[Value]:
        return [v for v in self.cells if v.low]


def scoped_teams(actor: Actor, filters: Filters) -> QuerySet[FamilyTeam]:
    teams = teams_in_scope(actor)
    if filters.program:
        teams = teams.filter(program_id=filters.program)
    if filters.facilitator:
        teams = teams.filter(facilitators=filters.facilitator)
    if filters.phase:
        teams = teams.filter(phase=filters.phase)
    return teams


def filter_choices(actor: Actor) -> dict:
    """The programs and facilitators the actor may filter by (two queries)."""
    teams = teams_in_scope(actor)
    programs = Program.objects.filter(pk__in=teams.values("program_id")).order_by("name")
    people = User.objects.filter(facilitated_teams__in=teams).distinct().order_by("name")
    return {"programs": list(programs), "facilitators": list(people)}


def _trend(team_ids, end: date, *, teams: int) -> list[dict]:
    weekly = measures.weekly_sums(team_ids, end)
    series = []
    for key in TREND_KEYS:
        measure = measures.BY_KEY[key]
        low, high = SCALES[measure.kind]
        points = []
        for week, sums in weekly:
            sums.teams = teams
            value = measures.values_of(sums, days=7)[key]
            points.append((week, value))
        series.append(chart(measure, points, low, high))
    return series


def chart(measure, points: list[tuple[date, Value]], low: float, high: float) -> dict:
    """Coordinates for a small SVG line (viewBox 0 0 300 100), a gap where a week has no
    value, and the measure's low line."""
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
        "dots": dots,
        "paths": paths,
        "low_y": y(measure.low),
    }


def dashboard(actor: Actor, filters: Filters) -> dict:
    """The rows, totals and trends the actor's dashboard shows with these filters."""
    teams = list(
        scoped_teams(actor, filters).select_related("program").order_by("program__name", "name")
    )
    team_ids = [t.pk for t in teams]
    links = FamilyTeam.facilitators.through.objects.filter(familyteam_id__in=team_ids)
    facilitators_of: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for team_id, user_id, name, email in links.values_list(
        "familyteam_id", "user_id", "user__name", "user__email"
    ):
        facilitators_of[team_id].append(user_id)
        names[user_id] = name or email
    organization_id = actor.organization.pk
    team_sums = measures.team_sums(team_ids, filters.start, filters.end)
    person_sums = measures.person_sums(names, organization_id, filters.start, filters.end)

    rows: list[Row] = []
    if filters.group == "team":
        for team in teams:
            sums = measures.sums_for_team(
                team_sums.get(team.pk), person_sums, facilitators_of[team.pk]
            )
            detail = ", ".join(names[p] for p in facilitators_of[team.pk])
            rows.append(Row(f"team:{team.pk}", team.name, team, detail, _values(sums, filters)))
    elif filters.group == "facilitator":
        for person_id, name in sorted(names.items(), key=lambda item: item[1]):
            mine = [t for t in teams if person_id in facilitators_of[t.pk]]
            sums = measures.combined(team_sums.get(t.pk, Sums()) for t in mine)
            sums.teams = len(mine)
            sums.add(person_sums.get(person_id, Sums()))
            detail = f"{len(mine)}"
            rows.append(Row(f"facilitator:{person_id}", name, None, detail, _values(sums, filters)))
    else:
        for program in sorted({t.program for t in teams}, key=lambda p: p.name):
            mine = [t for t in teams if t.program_id == program.pk]
            sums = measures.combined(team_sums.get(t.pk, Sums()) for t in mine)
            sums.teams = len(mine)
            people = {p for t in mine for p in facilitators_of[t.pk]}
            sums.add(measures.combined(person_sums.get(p, Sums()) for p in people))
            rows.append(
                Row(f"program:{program.pk}", program.name, None, f"{len(mine)}",
                    _values(sums, filters))
            )  # fmt: skip
    _sort(rows, filters.sort)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(filters.page, 1), pages)
    total = measures.combined(team_sums.values())
    total.teams = len(teams)
    total.add(measures.combined(person_sums.values()))
    return {
        "all_rows": rows,
        "rows": rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "page": page,
        "pages": pages,
        "totals": Row("total", "", values=_values(total, filters)),
        "trends": _trend(team_ids, filters.end, teams=len(teams)),
        "team_count": len(teams),
    }


def _values(sums: Sums, filters: Filters) -> dict[str, Value]:
    return measures.values_of(sums, days=filters.days)


def _sort(rows: list[Row], sort: str) -> None:
    key = sort.lstrip("-")
    if key in measures.BY_KEY:
        rows.sort(key=lambda r: r.values[key].sort_key, reverse=sort.startswith("-"))
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
    team_sum = measures.team_sums([team.pk], start, end).get(team.pk)
    people = measures.person_sums(facilitator_ids, team.program.organization_id, start, end)
    sums = measures.sums_for_team(team_sum, people, facilitator_ids)
    values = measures.values_of(sums, days=(end - start).days + 1)
    return {
        "moments": moments[:limit],
        "values": [values[m.key] for m in MEASURES],
        "trends": _trend([team.pk], end, teams=1),
    }
