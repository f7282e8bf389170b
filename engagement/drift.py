"""Fidelity drift (DESIGN.md, "Default drift rules"): the rules, what each measures, and
the scan that opens, updates and resolves signals.

Every rule is evaluated set-based for all the organisations of a scan at once: one or
two queries per rule, whatever the number of teams or people. The figures come from
engagement.measures (the same definitions the dashboards use). Sending reminders and
digests: engagement.drift_reminders."""

# The SQL below is constant text of this module; every value is a query parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from django.conf import settings as django_settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from communities.models import FamilyTeam, Organization, Role, TeamMeeting
from engagement import measures
from engagement.models import (
    DriftRule,
    DriftRuleCode,
    DriftScan,
    DriftSignal,
    Goal,
    GoalRevision,
    Wording,
)
from reflections.models import PromptDelivery, Reflection
from reflections.practice_scores import COUNT_FIELDS

# A scan takes this lock per rule, so two scans never sync the same rule at once (the
# unique index on open signals is the backstop).
LOCK_DRIFT = 7303
# Unanswered prompts older than this no longer count (the rule's window).
PROMPT_WINDOW_DAYS = 90
SNOOZE_MAX_DAYS = 90


@dataclass(frozen=True)
class Param:
    """A parameter a rule reads: its field on DriftRule and the values admins may give."""

    name: str
    label: str
    low: Decimal
    high: Decimal
    help: str = ""

    @property
    def is_whole(self) -> bool:
        return self.name in ("days", "count", "percent")


PARAMS = {
    "days": Param("days", _("days"), Decimal(1), Decimal(365), _("from 1 to 365 days")),
    "count": Param("count", _("how many"), Decimal(1), Decimal(12), _("from 1 to 12")),
    "rating": Param("rating", _("mean rating below"), Decimal(1), Decimal(5),
                    _("a rating from 1 to 5")),
    "ratio": Param("ratio", _("R:Q below"), Decimal("0.1"), Decimal(10), _("from 0.1 to 10")),
    "percent": Param("percent", _("%CR below (%)"), Decimal(1), Decimal(100),
                     _("from 1 to 100 %")),
}  # fmt: skip


@dataclass(frozen=True)
class Rule:
    """One drift rule: whom it looks at, what trips it, why that matters for the model
    and one next step, in words people read in reminders and on signal pages."""

    code: str
    subject: str  # "team", "person" or "member" (a member of a learning circle)
    defaults: dict
    trips: str  # with the parameters, e.g. %(days)s
    why: str
    next_step: str
    goes_to: str
    evaluate: Callable = field(repr=False, default=None)

    @property
    def label(self) -> str:
        return str(DriftRuleCode(self.code).label)

    @property
    def params(self) -> list[Param]:
        return [PARAMS[name] for name in self.defaults]


@dataclass(frozen=True)
class Setting:
    """A rule as one organisation runs it: its own values, or the defaults."""

    organization_id: int
    code: str
    enabled: bool = True
    days: int | None = None
    count: int | None = None
    rating: Decimal | None = None
    ratio: Decimal | None = None
    percent: int | None = None
    remind_every_days: int = 7
    saved: bool = False

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    @property
    def values(self) -> dict:
        """The parameters the rule reads, as JSON-safe numbers (kept on each signal)."""
        return {name: _plain(getattr(self, name)) for name in self.rule.defaults}

    @property
    def trips_text(self) -> str:
        return str(self.rule.trips) % self.shown_values

    @property
    def shown_values(self) -> dict:
        return {name: _shown(value) for name, value in self.values.items()}


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    return value


def _shown(value) -> str:
    if isinstance(value, float):
        return number_format(Decimal(str(value)), 2)
    return str(value)


@dataclass
class Finding:
    """A subject for which a rule trips now, with what was measured and why."""

    organization_id: int
    subject_key: str
    measured: dict
    window_start: date | None
    window_end: date | None
    evidence: dict
    team_id: int | None = None
    program_id: int | None = None
    person_id: int | None = None
    circle_id: int | None = None


@dataclass(frozen=True)
class Context:
    """When the scan runs and each organisation's today (in its own time zone)."""

    now: datetime
    today: dict[int, date]
    zones: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, organization_ids: Iterable[int], now: datetime) -> Context:
        zones = dict(
            Organization.objects.filter(pk__in=list(organization_ids)).values_list(
                "pk", "time_zone"
            )
        )
        today = {pk: _local_date(now, zone) for pk, zone in zones.items()}
        return cls(now=now, today=today, zones=zones)

    def date_in(self, organization_id: int, moment: datetime) -> date:
        """The day `moment` fell on in the organisation's zone: the same calendar as its
        today, so a gap is counted in whole local days."""
        return _local_date(moment, self.zones.get(organization_id, ""))


def local_time(moment: datetime, zone: str) -> datetime:
    """`moment` on the wall clock of `zone` (the server's zone if that one is unknown)."""
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return moment.astimezone(zoneinfo.ZoneInfo(django_settings.TIME_ZONE))


def _local_date(moment: datetime, zone: str) -> date:
    return local_time(moment, zone).date()


# --- the rules: each reads every subject of the given organisations at once ------------


def _active_teams(settings: list[Setting]):
    return FamilyTeam.objects.active().filter(
        program__organization_id__in=[s.organization_id for s in settings]
    )


def _gap_findings(settings, context, rows, key: str) -> list[Finding]:
    """Team gap rules: rows of (team, program, organisation, opened, last date, last id)."""
    by_org = {s.organization_id: s for s in settings}
    found = []
    for team_id, program_id, org_id, opened, last, last_id in rows:
        setting, today = by_org[org_id], context.today[org_id]
        if isinstance(last, datetime):
            last = context.date_in(org_id, last)
        gap = measures.days_since(last, opened, today)
        if gap < setting.days:
            continue
        found.append(
            Finding(
                organization_id=org_id, subject_key=f"team:{team_id}", team_id=team_id,
                program_id=program_id,
                measured={"days": gap, "since": (last or opened).isoformat(),
                          "never": last is None},
                window_start=today - timedelta(days=setting.days), window_end=today,
                evidence={key: [last_id]} if last_id else {},
            )
        )  # fmt: skip
    return found


def _last_of(settings, context, latest, when: str, key: str) -> list[Finding]:
    """A team gap rule: each active team with the date of its latest `latest` row."""
    rows = _active_teams(settings).values_list(
        "pk", "program_id", "program__organization_id", "opened_on",
        Subquery(latest.values(when)[:1]), Subquery(latest.values("pk")[:1]),
    )  # fmt: skip
    return _gap_findings(settings, context, rows, key)


def _reflection_gap(settings: list[Setting], context: Context) -> list[Finding]:
    latest = Reflection.objects.filter(team=OuterRef("pk")).order_by("-created_at", "-pk")
    return _last_of(settings, context, latest, "created_at", "reflections")


def _meeting_gap(settings: list[Setting], context: Context) -> list[Finding]:
    latest = TeamMeeting.objects.filter(team=OuterRef("pk")).order_by("-held_on", "-pk")
    return _last_of(settings, context, latest, "held_on", "meetings")


def _family_voice_absent(settings: list[Setting], context: Context) -> list[Finding]:
    latest = GoalRevision.objects.filter(
        goal__team=OuterRef("pk"), author_role=Role.FAMILY
    ).order_by("-created_at", "-pk")
    active = Q(goals__status=Goal.Status.ACTIVE)
    rows = (
        _active_teams(settings)
        .annotate(
            last_at=Subquery(latest.values("created_at")[:1]),
            last_id=Subquery(latest.values("pk")[:1]),
            active_goals=Count("goals", filter=active),
            staff_goals=ArrayAgg(
                "goals__pk",
                filter=active & Q(goals__statement_wording=Wording.STAFF),
                default=[], order_by="goals__pk",
            ),
        )
        .values_list("pk", "program_id", "program__organization_id", "opened_on", "last_at",
                     "last_id", "active_goals", "staff_goals")
    )  # fmt: skip
    by_org = {s.organization_id: s for s in settings}
    found = []
    for team_id, program_id, org_id, opened, last_at, last_id, goals, staff_goals in rows:
        setting, today = by_org[org_id], context.today[org_id]
        last = context.date_in(org_id, last_at) if last_at else None
        gap = measures.days_since(last, opened, today)
        all_staff = goals > 0 and len(staff_goals) == goals
        if gap < setting.days and not all_staff:
            continue
        evidence = {"goals": staff_goals} if all_staff else {}
        if last_id:
            evidence["goal_revisions"] = [last_id]
        found.append(
            Finding(
                organization_id=org_id, subject_key=f"team:{team_id}", team_id=team_id,
                program_id=program_id,
                measured={"days": gap, "since": (last or opened).isoformat(),
                          "never": last is None, "all_staff": all_staff,
                          "active_goals": goals, "gap_trips": gap >= setting.days},
                window_start=today - timedelta(days=setting.days), window_end=today,
                evidence=evidence,
            )
        )  # fmt: skip
    return found


_RECENT_CHECKINS = """
WITH rule(organization_id, meetings, today) AS (
    SELECT * FROM unnest(%s::bigint[], %s::int[], %s::date[])
),
recent AS (
    SELECT m.id, m.team_id, m.held_on, t.program_id, p.organization_id, rule.meetings,
           row_number() OVER (PARTITION BY m.team_id ORDER BY m.held_on DESC, m.id DESC) AS n
    FROM communities_teammeeting m
    JOIN communities_familyteam t ON t.id = m.team_id AND t.closed_on IS NULL
    JOIN communities_program p ON p.id = t.program_id
    JOIN rule ON rule.organization_id = p.organization_id
    WHERE m.held_on <= rule.today
)
SELECT r.team_id, r.program_id, r.organization_id,
       array_agg(DISTINCT r.id), min(r.held_on), max(r.held_on),
       coalesce(array_agg(c.id ORDER BY c.id) FILTER (WHERE c.id IS NOT NULL), '{}'),
       coalesce(sum(c.agency), 0), count(c.agency),
       coalesce(sum(c.relevance), 0), count(c.relevance),
       coalesce(sum(c.partnership), 0), count(c.partnership)
FROM recent r
LEFT JOIN engagement_meetingcheckin c ON c.meeting_id = r.id AND c.submitted_at IS NOT NULL
WHERE r.n <= r.meetings
GROUP BY r.team_id, r.program_id, r.organization_id
"""


def _low_partnership(settings: list[Setting], context: Context) -> list[Finding]:
    # Each organisation's last meetings up to its own today: a meeting already dated
    # tomorrow in one zone waits for the scan after that zone's midnight.
    with connection.cursor() as cursor:
        cursor.execute(
            _RECENT_CHECKINS,
            [[s.organization_id for s in settings], [s.count for s in settings],
             [context.today[s.organization_id] for s in settings]],
        )  # fmt: skip
        rows = cursor.fetchall()
    by_org = {s.organization_id: s for s in settings}
    found = []
    for team_id, program_id, org_id, meetings, first, last, checkins, *sums in rows:
        setting = by_org[org_id]
        totals = measures.Sums()
        pairs = zip(sums[::2], sums[1::2], strict=True)
        for key, (total, n) in zip(measures.RATINGS, pairs, strict=True):
            totals.totals[key], totals.counts[key] = total, n
        means = {key: measures.mean_of(totals, key) for key in measures.RATINGS}
        threshold = Fraction(str(setting.rating))
        low = [key for key, mean in means.items() if mean is not None and mean < threshold]
        if not low:
            continue
        found.append(
            Finding(
                organization_id=org_id, subject_key=f"team:{team_id}", team_id=team_id,
                program_id=program_id,
                measured={"means": {k: None if m is None else round(float(m), 2)
                                    for k, m in means.items()},
                          "low": low, "responses": totals.counts[low[0]],
                          "meetings": len(meetings)},
                window_start=first, window_end=last,
                evidence={"meetings": sorted(meetings), "checkins": list(checkins)},
            )
        )  # fmt: skip
    return found


_LAPSES = """
WITH rule(organization_id, sessions) AS (SELECT * FROM unnest(%s::bigint[], %s::int[])),
recent AS (
    SELECT s.id, s.circle_id, s.starts_at, lc.organization_id, rule.sessions,
           row_number() OVER (PARTITION BY s.circle_id ORDER BY s.starts_at DESC) AS n
    FROM communities_circlesession s
    JOIN communities_learningcircle c ON c.id = s.circle_id
    JOIN communities_learningcommunity lc ON lc.id = c.community_id
    JOIN rule ON rule.organization_id = lc.organization_id
    WHERE s.status <> 'cancelled' AND s.ends_at <= %s
)
SELECT r.circle_id, m.user_id, r.organization_id, max(r.sessions),
       array_agg(r.id ORDER BY r.starts_at), min(r.starts_at), max(r.starts_at),
       count(*) FILTER (WHERE sr.attendance = 'absent')
FROM recent r
JOIN communities_learningcircle_members m ON m.learningcircle_id = r.circle_id
LEFT JOIN communities_sessionresponse sr ON sr.session_id = r.id AND sr.user_id = m.user_id
WHERE r.n <= r.sessions
GROUP BY r.circle_id, m.user_id, r.organization_id
"""


def _circle_lapse(settings: list[Setting], context: Context) -> list[Finding]:
    with connection.cursor() as cursor:
        cursor.execute(
            _LAPSES,
            [[s.organization_id for s in settings], [s.count for s in settings], context.now],
        )
        rows = cursor.fetchall()
    found = []
    for circle_id, user_id, org_id, wanted, sessions, first, last, missed in rows:
        if len(sessions) < wanted or missed < wanted:
            continue
        found.append(
            Finding(
                organization_id=org_id, subject_key=f"circle:{circle_id}:person:{user_id}",
                person_id=user_id, circle_id=circle_id, measured={"missed": missed},
                window_start=context.date_in(org_id, first),
                window_end=context.date_in(org_id, last),
                evidence={"sessions": sessions},
            )
        )  # fmt: skip
    return found


_OBSERVATIONS = """
WITH rule(organization_id, observations) AS (SELECT * FROM unnest(%s::bigint[], %s::int[])),
recent AS (
    SELECT o.*, rule.observations,
           row_number() OVER (PARTITION BY o.organization_id, o.facilitator_id
                              ORDER BY o.observed_on DESC, o.id DESC) AS n
    FROM reflections_practiceobservation o
    JOIN rule ON rule.organization_id = o.organization_id
    WHERE o.completed_at IS NOT NULL
)
SELECT organization_id, facilitator_id, observations, id, observed_on, coded_by_id, {counts}
FROM recent WHERE n <= greatest(observations, 1)
ORDER BY organization_id, facilitator_id, n
""".format(counts=", ".join(COUNT_FIELDS))


def _mi_practice(settings: list[Setting], context: Context) -> list[Finding]:
    with connection.cursor() as cursor:
        cursor.execute(
            _OBSERVATIONS,
            [[s.organization_id for s in settings], [s.count for s in settings]],
        )
        rows = cursor.fetchall()
    by_org = {s.organization_id: s for s in settings}
    people: dict[tuple[int, int], list] = {}
    for org_id, facilitator_id, _wanted, pk, observed_on, coder, *counts in rows:
        figures = measures.practice_of(dict(zip(COUNT_FIELDS, counts, strict=True)))
        people.setdefault((org_id, facilitator_id), []).append((pk, observed_on, coder, figures))
    found = []
    for (org_id, facilitator_id), observations in people.items():
        setting = by_org[org_id]
        (_latest, latest_on, coder, (rq, pct_cr)) = observations[0]
        below = []
        if rq is not None and rq < Fraction(str(setting.ratio)):
            below.append("rq")
        if pct_cr is not None and pct_cr < setting.percent:
            below.append("pct_cr")
        series = [rq for *_, (rq, _pct) in reversed(observations)]
        falling = (
            len(series) >= max(setting.count, 2)
            and None not in series
            and all(b < a for a, b in pairwise(series))
        )
        if not below and not falling:
            continue
        evidence = {"observations": [o[0] for o in observations]}
        if coder != facilitator_id:
            evidence["coach"] = coder
        found.append(
            Finding(
                organization_id=org_id, subject_key=f"person:{facilitator_id}",
                person_id=facilitator_id,
                measured={"rq": None if rq is None else round(float(rq), 2),
                          "pct_cr": None if pct_cr is None else round(float(pct_cr)),
                          "below": below, "falling": falling,
                          "series": [None if v is None else round(float(v), 2) for v in series]},
                window_start=observations[-1][1], window_end=latest_on, evidence=evidence,
            )
        )  # fmt: skip
    return found


def _prompt_unanswered(settings: list[Setting], context: Context) -> list[Finding]:
    by_org = {s.organization_id: s for s in settings}
    shortest = min(s.days for s in settings)
    rows = (
        PromptDelivery.objects.filter(
            organization_id__in=by_org, sent_at__isnull=False, answered_at__isnull=True,
            sent_at__lte=context.now - timedelta(days=shortest),
            sent_at__gt=context.now - timedelta(days=PROMPT_WINDOW_DAYS),
        )
        .values_list("organization_id", "recipient_id", "pk", "sent_at", "reminded_at")
        .order_by("organization_id", "recipient_id", "sent_at")
    )  # fmt: skip
    people: dict[tuple[int, int], list] = {}
    for org_id, recipient_id, pk, sent_at, reminded_at in rows:
        if sent_at <= context.now - timedelta(days=by_org[org_id].days):
            people.setdefault((org_id, recipient_id), []).append((pk, sent_at, reminded_at))
    found = []
    for (org_id, recipient_id), deliveries in people.items():
        reminded = [r for _pk, _sent, r in deliveries if r is not None]
        found.append(
            Finding(
                organization_id=org_id, subject_key=f"person:{recipient_id}",
                person_id=recipient_id,
                measured={"prompts": len(deliveries),
                          "oldest": context.date_in(org_id, deliveries[0][1]).isoformat(),
                          # Each prompt's own reminder went out: that was this signal's.
                          "reminded": max(reminded).isoformat()
                          if len(reminded) == len(deliveries) else None},
                window_start=context.today[org_id] - timedelta(days=PROMPT_WINDOW_DAYS),
                window_end=context.today[org_id],
                evidence={"prompts": [pk for pk, _sent, _r in deliveries]},
            )
        )  # fmt: skip
    return found


_CODE = DriftRuleCode
RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            _CODE.REFLECTION_GAP, "team", {"days": 14},
            _("An active team has had no reflection for %(days)s days."),
            _("Reflecting after meetings is how a team notices drift while it is still "
              "small and easy to correct."),
            _("After the next meeting, take ten minutes to log what worked, where you "
              "drifted and what you will try next."),
            _("the team's facilitators; their supervisors in the daily summary"),
            _reflection_gap,
        ),
        Rule(
            _CODE.MEETING_GAP, "team", {"days": 30},
            _("An active team has had no meeting for %(days)s days."),
            _("The plan moves forward in team meetings; a long gap leaves the family "
              "without their team."),
            _("Ask the family when and where a meeting would work for them, and put it "
              "on the calendar."),
            _("the team's facilitators; their supervisors in the daily summary"),
            _meeting_gap,
        ),
        Rule(
            _CODE.FAMILY_VOICE_ABSENT, "team", {"days": 45},
            _("No goal created or edited by the family for %(days)s days, or every "
              "active goal worded only by staff."),
            _("Goals belong to the family: when only staff write them, the plan stops "
              "being theirs."),
            _("Families choose what the meeting works on — ask the family to put the "
              "next goal in their own words."),
            _("the team's facilitators; their supervisors in the daily summary"),
            _family_voice_absent,
        ),
        Rule(
            _CODE.LOW_PARTNERSHIP, "team", {"rating": Decimal(3), "count": 3},
            _("The family's mean rating for agency, relevance or partnership is below "
              "%(rating)s over the last %(count)s meetings."),
            _("Agency, relevance and partnership are the conditions under which families "
              "engage; a low rating is feedback about how meetings are run, not about "
              "the family."),
            _("Families choose what the meeting works on — ask the family to set the "
              "next agenda."),
            _("the team's facilitators and their supervisors"),
            _low_partnership,
        ),
        Rule(
            _CODE.CIRCLE_LAPSE, "member", {"count": 2},
            _("A member missed %(count)s sessions of their learning circle in a row."),
            _("Learning circles keep practice close to the model; missing them in a row "
              "often means the time no longer fits."),
            _("Check with the host whether the circle's time still works, and read the "
              "last session's notes."),
            _("the member and the circle's host"),
            _circle_lapse,
        ),
        Rule(
            _CODE.MI_PRACTICE, "person",
            {"ratio": Decimal(1), "percent": 40, "count": 3},
            _("The latest coded observation is below R:Q %(ratio)s or %%CR %(percent)s %%, "
              "or R:Q fell across the last %(count)s observations."),
            _("More reflections than questions, and complex reflections, are the MI "
              "skills families feel as being heard."),
            _("Plan a coaching conversation on one recorded meeting and practise turning "
              "two questions into reflections."),
            _("the facilitator and their coach"),
            _mi_practice,
        ),
        Rule(
            _CODE.PROMPT_UNANSWERED, "person", {"days": 7},
            _("A reflection prompt has been unanswered for %(days)s days."),
            _("Prompts keep reflection regular between circles; an unanswered prompt is "
              "a missed chance to learn from practice."),
            _("Answer the open prompt in a few lines: it takes two minutes."),
            _("the person the prompt was sent to"),
            _prompt_unanswered,
        ),
    )
}  # fmt: skip


# --- settings ---------------------------------------------------------------------------


def settings_for(organization_ids: Iterable[int]) -> dict[tuple[int, str], Setting]:
    """Each organisation's setting of each rule: its own row, else the defaults (one
    query)."""
    organization_ids = list(organization_ids)
    saved = {
        (row.organization_id, row.code): row
        for row in DriftRule.objects.filter(organization_id__in=organization_ids)
    }
    result = {}
    for org_id in organization_ids:
        for code, rule in RULES.items():
            row = saved.get((org_id, code))
            base = Setting(organization_id=org_id, code=code, **rule.defaults)
            if row is not None:
                base = replace(
                    base, enabled=row.enabled, remind_every_days=row.remind_every_days,
                    saved=True,
                    **{n: getattr(row, n) for n in rule.defaults if getattr(row, n) is not None},
                )  # fmt: skip
            result[org_id, code] = base
    return result


def setting_save(*, setting: Setting, by) -> DriftRule:
    """Store an organisation's setting of a rule (the form checked every value)."""
    values = {n: getattr(setting, n) for n in setting.rule.defaults}
    row, _ = DriftRule.objects.update_or_create(
        organization_id=setting.organization_id, code=setting.code,
        defaults={"enabled": setting.enabled, "remind_every_days": setting.remind_every_days,
                  "updated_at": timezone.now(), "updated_by": by, **values},
    )  # fmt: skip
    return row


def evaluate(settings: list[Setting], context: Context) -> list[Finding]:
    """The subjects one rule trips for now, for the organisations of `settings` (all of
    one rule, all enabled)."""
    if not settings:
        return []
    return settings[0].rule.evaluate(settings, context)


def preview(setting: Setting, *, now: datetime | None = None) -> dict:
    """How many subjects the rule would trip with these values, and how many it trips
    now (its open signals): what an admin sees before saving."""
    now = now or timezone.now()
    context = Context.of([setting.organization_id], now)
    would = evaluate([setting], context) if setting.enabled else []
    open_now = DriftSignal.objects.filter(
        organization_id=setting.organization_id, rule=setting.code, resolved_at__isnull=True
    ).count()
    return {"would": len(would), "open": open_now, "subject": setting.rule.subject}


# --- the scan -----------------------------------------------------------------------------


@dataclass
class ScanResult:
    opened: int = 0
    resolved: int = 0
    reminders: int = 0
    digests: int = 0


_UPDATE_OPEN = """
UPDATE engagement_driftsignal AS s
SET measured = v.measured::jsonb, threshold = v.threshold::jsonb, evidence = v.evidence::jsonb,
    window_start = v.window_start, window_end = v.window_end, checked_at = %s
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::date[], %s::date[])
     AS v(id, measured, threshold, evidence, window_start, window_end)
WHERE s.id = v.id
"""


def _sync(code: str, settings: dict[int, Setting], findings: list[Finding], now: datetime):
    """Open a signal for each new finding, update the ones still tripped, resolve the
    rest (turning a rule off resolves its signals). Five queries, whatever the count."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_DRIFT, list(RULES).index(code)]
            )
        open_now = {
            (org, key): pk
            for org, key, pk in DriftSignal.objects.filter(
                organization_id__in=list(settings), rule=code, resolved_at__isnull=True
            ).values_list("organization_id", "subject_key", "pk")
        }
        found = {(f.organization_id, f.subject_key): f for f in findings}
        new = [
            _signal(code, settings[f.organization_id], f, now)
            for key, f in found.items() if key not in open_now
        ]  # fmt: skip
        DriftSignal.objects.bulk_create(new, ignore_conflicts=True)
        gone = [pk for key, pk in open_now.items() if key not in found]
        DriftSignal.objects.filter(pk__in=gone, resolved_at__isnull=True).update(
            resolved_at=now, checked_at=now
        )
        still = [(pk, found[key]) for key, pk in open_now.items() if key in found]
        if still:
            with connection.cursor() as cursor:
                cursor.execute(
                    _UPDATE_OPEN,
                    [
                        now,
                        [pk for pk, _f in still],
                        [json.dumps(f.measured) for _pk, f in still],
                        [json.dumps(settings[f.organization_id].values) for _pk, f in still],
                        [json.dumps(f.evidence) for _pk, f in still],
                        [f.window_start for _pk, f in still],
                        [f.window_end for _pk, f in still],
                    ],
                )
    return len(new), len(gone)


def _signal(code: str, setting: Setting, finding: Finding, now: datetime) -> DriftSignal:
    signal = DriftSignal(
        organization_id=finding.organization_id, rule=code, subject_key=finding.subject_key,
        team_id=finding.team_id, program_id=finding.program_id, person_id=finding.person_id,
        circle_id=finding.circle_id, opened_at=now, checked_at=now,
        threshold=setting.values, measured=finding.measured,
        window_start=finding.window_start, window_end=finding.window_end,
        evidence=finding.evidence,
    )  # fmt: skip
    reminded = finding.measured.get("reminded")
    if reminded:
        # The prompts' own reminders went out already: they count as this one's first.
        signal.reminders_sent = 1
        signal.last_reminded_at = datetime.fromisoformat(reminded)
    return signal


def scan(
    *,
    organization_ids: Iterable[int] | None = None,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    remind: bool = True,
) -> ScanResult:
    """Evaluate every rule for the given organisations (all, by default), open, update
    and resolve signals, then send the reminders due and the supervisors' digests due.
    Each rule commits on its own, so `progress(done, total)` can be shown."""
    from engagement import drift_reminders

    now = now or timezone.now()
    if organization_ids is None:
        organization_ids = Organization.objects.values_list("pk", flat=True)
    organization_ids = list(organization_ids)
    result = ScanResult()
    if not organization_ids:
        return result
    context = Context.of(organization_ids, now)
    all_settings = settings_for(organization_ids)
    total = len(RULES) + (1 if remind else 0)
    for done, code in enumerate(RULES, start=1):
        settings = {org: all_settings[org, code] for org in organization_ids}
        enabled = [s for s in settings.values() if s.enabled]
        opened, resolved = _sync(code, settings, evaluate(enabled, context), now)
        result.opened += opened
        result.resolved += resolved
        if progress:
            progress(done, total)
    if remind:
        result.reminders = drift_reminders.reminders_send(all_settings, context)
        result.digests = drift_reminders.digests_compose(now=now)
        if progress:
            progress(total, total)
    return result


def snooze(*, signal: DriftSignal, until: date, reason: str, by) -> DriftSignal:
    """Quiet an open signal until a date (no reminders, not in digests), with a reason;
    audited. Precondition (the form checks): `until` within SNOOZE_MAX_DAYS, a reason."""
    from communities.audit import audit_entry_create

    with transaction.atomic():
        DriftSignal.objects.filter(pk=signal.pk).update(
            snoozed_until=until, snooze_reason=reason, snoozed_by=by
        )
        audit_entry_create(
            actor=by, action="change", subject=f"drift signal {signal.pk} snoozed",
            team=signal.team, organization=signal.organization,
            detail={"until": until.isoformat(), "reason": reason, "rule": signal.rule},
        )  # fmt: skip
    signal.refresh_from_db()
    return signal


def unsnooze(*, signal: DriftSignal, by) -> DriftSignal:
    from communities.audit import audit_entry_create

    with transaction.atomic():
        DriftSignal.objects.filter(pk=signal.pk).update(
            snoozed_until=None, snooze_reason="", snoozed_by=None
        )
        audit_entry_create(
            actor=by, action="change", subject=f"drift signal {signal.pk} woken",
            team=signal.team, organization=signal.organization, detail={"rule": signal.rule},
        )  # fmt: skip
    signal.refresh_from_db()
    return signal


# --- in words -------------------------------------------------------------------------------


def _day(iso: str | None) -> str:
    return date_format(date.fromisoformat(iso), "DATE_FORMAT") if iso else ""


def measured_text(signal: DriftSignal) -> str:
    """What was measured, in the reader's language: "No reflection for 16 days (since
    3 November 2026)"."""
    m, code = signal.measured, signal.rule
    if code in (_CODE.REFLECTION_GAP, _CODE.MEETING_GAP, _CODE.FAMILY_VOICE_ABSENT):
        what = {
            _CODE.REFLECTION_GAP: _("No reflection for %(days)s days (since %(since)s)."),
            _CODE.MEETING_GAP: _("No meeting for %(days)s days (since %(since)s)."),
            _CODE.FAMILY_VOICE_ABSENT: _(
                "No goal written by the family for %(days)s days (since %(since)s)."
            ),
        }[code]
        if m.get("never"):
            what = {
                _CODE.REFLECTION_GAP: _("No reflection since the team opened %(days)s days "
                                        "ago (%(since)s)."),
                _CODE.MEETING_GAP: _("No meeting since the team opened %(days)s days ago "
                                     "(%(since)s)."),
                _CODE.FAMILY_VOICE_ABSENT: _("No goal written by the family since the team "
                                             "opened %(days)s days ago (%(since)s)."),
            }[code]  # fmt: skip
        text = str(what) % {"days": m.get("days"), "since": _day(m.get("since"))}
        if m.get("all_staff"):
            text += " " + str(
                _("Every active goal (%(n)s) is worded only by staff.") % {"n": m["active_goals"]}
            )
        return text
    if code == _CODE.LOW_PARTNERSHIP:
        labels = {"agency": _("agency"), "relevance": _("relevance"),
                  "partnership": _("partnership")}  # fmt: skip
        parts = [
            f"{labels[k]} {number_format(Decimal(str(v)), 2)}"
            for k, v in m.get("means", {}).items() if v is not None
        ]  # fmt: skip
        return str(
            _("Mean ratings over the last %(meetings)s meetings: %(means)s.")
            % {"meetings": m.get("meetings"), "means": ", ".join(parts)}
        )
    if code == _CODE.CIRCLE_LAPSE:
        return str(_("Missed the last %(n)s sessions in a row.") % {"n": m.get("missed")})
    if code == _CODE.MI_PRACTICE:
        parts = []
        if m.get("rq") is not None:
            parts.append(f"R:Q {number_format(Decimal(str(m['rq'])), 2)}")
        if m.get("pct_cr") is not None:
            parts.append(f"%CR {m['pct_cr']} %")
        text = str(_("Latest observation: %(scores)s.") % {"scores": ", ".join(parts) or "—"})
        if m.get("falling"):
            series = " → ".join(
                "—" if v is None else number_format(Decimal(str(v)), 2) for v in m["series"]
            )
            text += " " + str(_("R:Q falling: %(series)s.") % {"series": series})
        return text
    if code == _CODE.PROMPT_UNANSWERED:
        return str(
            _("%(n)s prompt(s) unanswered, the oldest sent on %(oldest)s.")
            % {"n": m.get("prompts"), "oldest": _day(m.get("oldest"))}
        )
    return ""


def threshold_text(signal: DriftSignal) -> str:
    """The rule as it was set when it last tripped, in words."""
    rule = RULES[signal.rule]
    values = {name: signal.threshold.get(name, default) for name, default in rule.defaults.items()}
    return str(rule.trips) % {name: _shown(_plain(v)) for name, v in values.items()}


def window_text(signal: DriftSignal) -> str:
    if not signal.window_start or not signal.window_end:
        return ""
    return str(
        _("%(start)s to %(end)s")
        % {"start": date_format(signal.window_start, "DATE_FORMAT"),
           "end": date_format(signal.window_end, "DATE_FORMAT")}
    )  # fmt: skip


# --- scans run by beat or asked for by an admin ----------------------------------------------


def scan_request(*, organization: Organization, by) -> DriftScan:
    """An admin asks for a scan of their organisation now: the row shows its progress; a
    worker runs it (the hourly scan picks it up if no worker took it). A scan already
    waiting or running is returned instead of a second one."""
    from engagement.tasks import drift_scan_run

    with transaction.atomic():
        waiting = (
            DriftScan.objects.select_for_update()
            .filter(organization=organization,
                    state__in=[DriftScan.State.QUEUED, DriftScan.State.RUNNING],
                    created_at__gt=timezone.now() - timedelta(minutes=30))
            .first()
        )  # fmt: skip
        if waiting is not None:
            return waiting
        row = DriftScan.objects.create(
            organization=organization, requested_by=by, rules_total=len(RULES) + 1
        )
        drift_scan_run.delay_on_commit(row.pk)
    return row


def scan_run(scan_id: int | None = None, *, now: datetime | None = None) -> DriftScan | None:
    """Run one recorded scan: an admin's (its organisation) or, with no id, the hourly
    one (every organisation, and any admin's scan no worker took). Claimed with a
    conditional UPDATE, so a scan runs once however often its task is delivered."""
    now = now or timezone.now()
    if scan_id is None:
        row = DriftScan.objects.create(
            rules_total=len(RULES) + 1, state=DriftScan.State.RUNNING, started_at=now
        )
    else:
        claimed = DriftScan.objects.filter(pk=scan_id, state=DriftScan.State.QUEUED).update(
            state=DriftScan.State.RUNNING, started_at=now
        )
        if not claimed:
            return None
        row = DriftScan.objects.get(pk=scan_id)

    def progress(done: int, total: int) -> None:
        DriftScan.objects.filter(pk=row.pk).update(rules_done=done, rules_total=total)

    organizations = [row.organization_id] if row.organization_id else None
    try:
        result = scan(organization_ids=organizations, now=now, progress=progress)
    except Exception as error:
        DriftScan.objects.filter(pk=row.pk).update(
            state=DriftScan.State.FAILED, error=repr(error)[:2000], finished_at=timezone.now()
        )
        raise
    DriftScan.objects.filter(pk=row.pk).update(
        state=DriftScan.State.DONE, finished_at=timezone.now(), opened=result.opened,
        resolved=result.resolved, reminders=result.reminders,
    )  # fmt: skip
    if scan_id is None:
        # The hourly scan covered every organisation: admins' scans still waiting are done.
        DriftScan.objects.filter(state=DriftScan.State.QUEUED, created_at__lte=now).update(
            state=DriftScan.State.DONE, started_at=now, finished_at=timezone.now(),
            rules_done=F("rules_total"),
        )  # fmt: skip
    row.refresh_from_db()
    return row
