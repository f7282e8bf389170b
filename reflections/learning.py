"""The learning log: what a person did to keep learning, month by month, and the
milestones they reached. Every milestone is defined here, once; the log, sharing a
milestone and the feed's celebrations all read these definitions.

It celebrates learning: it never ranks or compares people, it only tells one person's
own story (to them, and to their supervisors)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from communities.models import SessionResponse, User
from reflections.models import FollowThrough, MilestoneShare, Reflection

MONTHS = 12


# --- what counts, each defined once ------------------------------------------------------


def _circles_attended(user: User, organization_id: int) -> QuerySet:
    return (
        SessionResponse.objects.filter(
            user=user,
            attendance=SessionResponse.Attendance.PRESENT,
            session__circle__community__organization_id=organization_id,
        )
        .order_by("session__starts_at")
        .values_list("session__starts_at", flat=True)
    )


def _reflections_written(user: User, organization_id: int) -> QuerySet:
    return (
        Reflection.objects.filter(author=user, organization_id=organization_id)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


def _prompts_answered(user: User, organization_id: int) -> QuerySet:
    return (
        Reflection.objects.filter(
            author=user, organization_id=organization_id, prompt_delivery__isnull=False
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


def _try_next_carried_through(user: User, organization_id: int) -> QuerySet:
    return (
        FollowThrough.objects.filter(
            reflection__author=user,
            reflection__organization_id=organization_id,
            outcome=FollowThrough.Outcome.TRIED,
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


@dataclass(frozen=True)
class Series:
    key: str
    label: Promise
    moments: Callable[[User, int], QuerySet]  # the datetimes, in time order


SERIES = (
    Series("circles", _("Learning circles attended"), _circles_attended),
    Series("reflections", _("Reflections written"), _reflections_written),
    Series("prompts", _("Prompts answered"), _prompts_answered),
    Series("tried", _("“Try next” items carried through"), _try_next_carried_through),
)


@dataclass(frozen=True)
class Milestone:
    """Reached on the date of the `nth` moment of `series`, or, with `span_days`, on the
    first moment at least that many days after the first one."""

    key: str
    label: Promise
    series: str
    nth: int = 1
    span_days: int = 0

    def reached_on(self, moments: list[datetime]) -> date | None:
        """`moments` in time order."""
        if self.span_days:
            if not moments:
                return None
            start = moments[0] + timedelta(days=self.span_days)
            later = next((m for m in moments if m >= start), None)
            return timezone.localdate(later) if later else None
        if len(moments) < self.nth:
            return None
        return timezone.localdate(moments[self.nth - 1])

    def progress(self, moments: list[datetime]) -> tuple[int, int]:
        """(done, needed) towards the milestone, for "7 of 10"; days for a span."""
        if self.span_days:
            if not moments:
                return 0, self.span_days
            return min((moments[-1] - moments[0]).days, self.span_days), self.span_days
        return min(len(moments), self.nth), self.nth


MILESTONES = (
    Milestone("first_reflection", _("First reflection"), "reflections"),
    Milestone("first_prompt", _("First reflection prompt answered"), "prompts"),
    Milestone("first_circle", _("First learning circle attended"), "circles"),
    Milestone("ten_tried", _("Ten “try next” items carried through"), "tried", nth=10),
    Milestone("year_of_circles", _("A year of learning circles"), "circles", span_days=365),
    Milestone("twenty_five_reflections", _("25 reflections written"), "reflections", nth=25),
)
MILESTONES_BY_KEY = {m.key: m for m in MILESTONES}


def milestone_label(key: str) -> str:
    milestone = MILESTONES_BY_KEY.get(key)
    return str(milestone.label) if milestone else key


# --- selectors ---------------------------------------------------------------------------


def moments_of(user: User, organization_id: int) -> dict[str, list[datetime]]:
    """Every moment of each series, in time order (one query per series)."""
    return {s.key: list(s.moments(user, organization_id)) for s in SERIES}


def milestones_reached(user: User, organization_id: int) -> dict[str, date]:
    """The milestones the user reached in the organisation, with the date reached."""
    moments = moments_of(user, organization_id)
    reached = {}
    for milestone in MILESTONES:
        when = milestone.reached_on(moments[milestone.series])
        if when is not None:
            reached[milestone.key] = when
    return reached


def _months(today: date) -> list[date]:
    """The first day of the last MONTHS months, newest first."""
    months, month = [], today.replace(day=1)
    for _i in range(MONTHS):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months


def learning_log(*, user: User, organization_id: int, today: date | None = None) -> dict:
    """The month-by-month counts of each series over the last twelve months, the
    totals, and every milestone (reached with its date and whether it is shared, or the
    way towards it). A constant number of queries (one per series, one for shares)."""
    today = today or timezone.localdate()
    moments = moments_of(user, organization_id)
    months = _months(today)
    oldest = months[-1]
    per_month = {}
    for key, values in moments.items():
        days = (timezone.localdate(m) for m in values)
        per_month[key] = Counter(d.replace(day=1) for d in days if oldest <= d <= today)
    peak = max([1, *(count for c in per_month.values() for count in c.values())])
    rows = [
        {
            "month": month,
            "cells": [
                {
                    "series": s,
                    "count": per_month[s.key][month],
                    "percent": round(100 * per_month[s.key][month] / peak),
                }
                for s in SERIES
            ],
        }
        for month in months
    ]
    shared = set(
        MilestoneShare.objects.filter(user=user, organization_id=organization_id).values_list(
            "milestone", flat=True
        )
    )
    milestones = []
    for milestone in MILESTONES:
        values = moments[milestone.series]
        done, needed = milestone.progress(values)
        milestones.append(
            {
                "milestone": milestone,
                "reached_on": milestone.reached_on(values),
                "shared": milestone.key in shared,
                "done": done,
                "needed": needed,
            }
        )
    return {
        "series": SERIES,
        "months": rows,
        "totals": [
            {"series": s, "count": sum(per_month[s.key].values()), "ever": len(moments[s.key])}
            for s in SERIES
        ],
        "milestones": milestones,
    }
