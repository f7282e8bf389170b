"""What the drift pages read (reads only, a fixed number of queries each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.access import Actor, programs_visible_to
from communities.models import (
    CircleSession,
    FamilyTeam,
    Message,
    MessageKind,
    Role,
    TeamMeeting,
    User,
)
from engagement import drift
from engagement.drift_access import signals_in_scope
from engagement.models import (
    DriftRuleCode,
    DriftScan,
    DriftSignal,
    Goal,
    GoalRevision,
    MeetingCheckIn,
)
from reflections.models import PracticeObservation, PromptDelivery, Reflection

PAGE_SIZE = 50
STATES = ("open", "snoozed", "resolved", "all")


@dataclass(frozen=True)
class SignalFilters:
    rule: str = ""
    program: int | None = None
    facilitator: int | None = None
    state: str = "open"
    page: int = 1


def _states(today) -> dict[str, Q]:
    """Each state of the list as a condition: the SQL form of DriftSignal.is_snoozed."""
    snoozed = Q(resolved_at__isnull=True, snoozed_until__gte=today)
    return {
        "open": Q(resolved_at__isnull=True) & ~snoozed,
        "snoozed": snoozed,
        "resolved": Q(resolved_at__isnull=False),
    }


def filter_choices(actor: Actor) -> dict:
    """The programs and facilitators a supervisor or admin may filter by (two queries)."""
    programs = list(programs_visible_to(actor).order_by("name").values_list("pk", "name"))
    teams = FamilyTeam.objects.filter(program_id__in=[pk for pk, _name in programs])
    facilitators = list(
        User.objects.filter(facilitated_teams__in=teams)
        .distinct()
        .order_by("name", "email")
        .values_list("pk", "name")
    )
    return {"programs": programs, "facilitators": facilitators}


def signal_list(actor: Actor, filters: SignalFilters) -> dict:
    signals = signals_in_scope(actor)
    if filters.rule:
        signals = signals.filter(rule=filters.rule)
    if filters.program:
        signals = signals.filter(program_id=filters.program)
    if filters.facilitator:
        facilitates = FamilyTeam.facilitators.through.objects.filter(
            familyteam_id=OuterRef("team_id"), user_id=filters.facilitator
        )
        signals = signals.filter(Exists(facilitates) | Q(person_id=filters.facilitator))
    states = _states(timezone.localdate())
    counts = signals.aggregate(**{name: Count("pk", filter=q) for name, q in states.items()})
    counts["all"] = sum(counts.values())
    total = counts[filters.state]
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(filters.page, 1), pages)
    rows = list(
        signals.filter(states.get(filters.state, Q()))
        .select_related("team", "person", "circle", "program")
        .order_by("-opened_at", "-pk")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )
    return {"signals": rows, "counts": counts, "total": total, "page": page, "pages": pages}


def open_signals_of(signals: QuerySet, *, limit: int = 10) -> list[DriftSignal]:
    """Open signals, newest first (home pages, the team page, the dashboard)."""
    return list(
        signals.filter(resolved_at__isnull=True)
        .select_related("team", "person", "circle")
        .order_by("-opened_at", "-pk")[:limit]
    )


def team_open_signals(team: FamilyTeam) -> list[DriftSignal]:
    """A team's open signals (the team page, its drill-down): staff pages only."""
    return open_signals_of(DriftSignal.objects.filter(team=team))


def open_by_rule(actor: Actor, weeks: list[date] | None = None) -> dict:
    """How many signals of each rule are open in the actor's scope now (the dashboard),
    and, for each week starting on one of `weeks` (Mondays), how many were open at its
    end: the 12-week trend. One query: signals grouped by rule and by the week in which
    they opened and resolved (`width_bucket` over the weeks' ends), counted here."""
    weeks = weeks or []
    zone = timezone.get_current_timezone()
    ends = [datetime.combine(w + timedelta(days=7), time.min, tzinfo=zone) for w in weeks]
    open_now = Q(resolved_at__isnull=True)
    signals = signals_in_scope(actor)
    if ends:  # open now, or resolved after the first week ended
        signals = signals.filter(open_now | Q(resolved_at__gte=ends[0]))
    else:
        signals = signals.filter(open_now)
    thresholds = Value(ends, output_field=ArrayField(DateTimeField()))
    rows = (
        signals.annotate(
            # How many week ends came at or before it: 0 before the first week ended.
            opened_in=Func(
                "opened_at", thresholds, function="width_bucket", output_field=IntegerField()
            ),
            resolved_in=Func(
                "resolved_at", thresholds, function="width_bucket", output_field=IntegerField()
            ),
        )
        .values("rule", "opened_in", "resolved_in")
        .annotate(n=Count("pk"))
        .order_by()
    )
    now = {code: 0 for code in drift.RULES}
    trend = [0] * len(weeks)
    for row in rows:
        if row["resolved_in"] is None:
            now[row["rule"]] = now.get(row["rule"], 0) + row["n"]
        # Open at week i's end: opened before it (opened_in <= i) and not resolved by
        # then (resolved_in > i, or not resolved).
        last = len(weeks) if row["resolved_in"] is None else row["resolved_in"]
        for index in range(row["opened_in"], last):
            trend[index] += row["n"]
    return {
        "rules": [
            {"code": code, "label": rule.label, "n": now[code]}
            for code, rule in drift.RULES.items()
        ],
        "trend": list(zip(weeks, trend, strict=True)),
    }


@dataclass(frozen=True)
class Evidence:
    label: str
    when: object
    url: str = ""
    detail: str = ""


def _evidence(signal: DriftSignal, actor: Actor) -> list[Evidence]:
    """What tripped the signal, each with a link to where it lives (one query per kind
    of evidence the rule keeps; every read is scoped to the signal's organisation)."""
    ids = signal.evidence
    org = signal.organization_id
    items: list[Evidence] = []
    if ids.get("meetings"):
        meetings = TeamMeeting.objects.filter(
            pk__in=ids["meetings"], team__program__organization_id=org
        ).select_related("team")
        checkins = {}
        for c in MeetingCheckIn.objects.filter(
            pk__in=ids.get("checkins", []), meeting__team__program__organization_id=org
        ):
            checkins.setdefault(c.meeting_id, []).append(c)
        for m in meetings:
            ratings = "; ".join(
                f"{c.agency}/{c.relevance}/{c.partnership}" + (f" “{c.word}”" if c.word else "")
                for c in checkins.get(m.pk, [])
            )
            items.append(Evidence(
                label=str(_("Meeting of %(team)s") % {"team": m.team.name}), when=m.held_on,
                url=reverse("team_detail", args=[m.team_id]) + f"#meeting-{m.pk}",
                detail=str(_("check-ins (agency/relevance/partnership): %(r)s") % {"r": ratings})
                if ratings else str(_("no check-in")),
            ))  # fmt: skip
    if ids.get("reflections"):
        for r in Reflection.objects.filter(pk__in=ids["reflections"], organization_id=org):
            items.append(Evidence(label=str(_("Last reflection")), when=r.created_at,
                                  url=reverse("reflection_detail", args=[r.pk])))  # fmt: skip
    if ids.get("goals"):
        for g in Goal.objects.filter(pk__in=ids["goals"], team__program__organization_id=org):
            items.append(Evidence(label=str(_("Goal worded by staff: “%(goal)s”") % {
                "goal": g.statement}), when=g.updated_at,
                url=reverse("goal_detail", args=[g.pk])))  # fmt: skip
    if ids.get("goal_revisions"):
        for r in GoalRevision.objects.filter(
            pk__in=ids["goal_revisions"], goal__team__program__organization_id=org
        ).select_related("goal"):
            items.append(Evidence(label=str(_("Last goal edit by the family: “%(goal)s”") % {
                "goal": r.goal.statement}), when=r.created_at,
                url=reverse("goal_history", args=[r.goal_id])))  # fmt: skip
    if ids.get("sessions"):
        for s in CircleSession.objects.filter(
            pk__in=ids["sessions"], circle__community__organization_id=org
        ).select_related("circle"):
            items.append(Evidence(label=str(_("Session of “%(circle)s”: missed") % {
                "circle": s.circle.title}), when=s.starts_at,
                url=reverse("session_detail", args=[s.pk])))  # fmt: skip
    if ids.get("observations"):
        for o in PracticeObservation.objects.filter(pk__in=ids["observations"],
                                                    organization_id=org):  # fmt: skip
            rq, pct = (o.scores.rq.display, o.scores.pct_cr.display)
            items.append(Evidence(
                label=str(_("Coded observation")), when=o.observed_on,
                url=reverse("practice_observation", args=[o.pk])
                if actor.role != Role.ADMIN else "",
                detail=f"R:Q {rq} · %CR {pct}",
            ))  # fmt: skip
    if ids.get("prompts"):
        for d in PromptDelivery.objects.filter(
            pk__in=ids["prompts"], organization_id=org
        ).select_related("wording"):
            mine = d.recipient_id == actor.user.pk
            items.append(Evidence(
                label=str(_("Prompt unanswered: “%(prompt)s”") % {"prompt": d.wording.text}),
                when=d.sent_at, url=reverse("prompt_answer", args=[d.pk]) if mine else "",
            ))  # fmt: skip
    return items


def signal_page(signal: DriftSignal, actor: Actor) -> dict:
    rule = drift.RULES[signal.rule]
    history = list(
        DriftSignal.objects.filter(
            organization_id=signal.organization_id, rule=signal.rule,
            subject_key=signal.subject_key,
        ).exclude(pk=signal.pk).order_by("-opened_at")[:20]
    )  # fmt: skip
    reminders = list(
        Message.objects.filter(
            kind=MessageKind.DRIFT_REMINDER, channel=Message.Channel.APP,
            organization_id=signal.organization_id, params__signal=signal.pk,
        ).select_related("recipient").order_by("created_at")
    )  # fmt: skip
    return {
        "signal": signal,
        "rule": rule,
        "measured": drift.measured_text(signal),
        "threshold": drift.threshold_text(signal),
        "window": drift.window_text(signal),
        "evidence": _evidence(signal, actor),
        "history": history,
        "reminders": reminders,
        "snoozed": signal.is_snoozed(),
    }


def team_history(team: FamilyTeam) -> list[DriftSignal]:
    return list(DriftSignal.objects.filter(team=team).order_by("-opened_at", "-pk")[:100])


def person_history(user: User, organization_id: int) -> list[DriftSignal]:
    return list(
        DriftSignal.objects.filter(organization_id=organization_id, person=user)
        .select_related("circle")
        .order_by("-opened_at", "-pk")[:100]
    )


def rules_page(organization_id: int) -> dict:
    settings = drift.settings_for([organization_id])
    open_counts = dict(
        DriftSignal.objects.filter(organization_id=organization_id, resolved_at__isnull=True)
        .values_list("rule")
        .annotate(n=Count("pk"))
        .values_list("rule", "n")
    )
    last_scan = DriftScan.objects.filter(
        Q(organization_id=organization_id) | Q(organization__isnull=True)
    ).first()
    return {
        "settings": [settings[organization_id, code] for code in drift.RULES],
        "open_counts": open_counts,
        "last_scan": last_scan,
        "codes": DriftRuleCode,
    }
