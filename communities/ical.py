"""Learning circle sessions as iCalendar (RFC 5545), written by the `icalendar` package:
one session's `.ics` (downloads and email attachments) and each person's private feed.

Calendar clients keep an event by its UID and take a newer copy when SEQUENCE grows (a
move or a cancellation) or, at the same sequence, when DTSTAMP is later. DTSTAMP is
therefore the event's last change rather than the time of the request, so the same data
always gives the same bytes and a client polling the feed can be answered 304.
"""

from __future__ import annotations

import hashlib
import zoneinfo
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.db.models import CharField, Exists, Max, OuterRef, Q, QuerySet, Value
from django.db.models.functions import MD5, Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from communities.models import STAFF_ROLES, CircleSession, LearningCircle, Membership, User

PRODID = "-//MiiWrap//Learning circles//EN"
# How far back the feed reaches: recent sessions stay in people's calendars.
FEED_PAST = timedelta(days=60)
# Part of every feed ETag: bump it when the feed's text changes for the same data, so
# clients holding the old text fetch the new one.
FEED_FORMAT = "1"
# A hint to clients that honour it (Apple, Outlook, Thunderbird) on how often to poll.
FEED_REFRESH = timedelta(hours=1)


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "miiwrap"


def session_uid(session: CircleSession) -> str:
    """The event's identity for every calendar that ever received it: never changes."""
    return f"circle-session-{session.pk}@{_host()}"


def session_url(session: CircleSession) -> str:
    return f"{settings.SITE_URL}/circles/sessions/{session.pk}/"


def session_event(session: CircleSession) -> Event:
    """The session as a VEVENT, at its local time in the circle's zone (with TZID).
    Precondition: `session.circle` is loaded (select_related)."""
    circle = session.circle
    zone = zoneinfo.ZoneInfo(circle.time_zone)
    # The circle's title, agenda and place show in every session: a change to them is a
    # change to the event even when the session row itself did not change.
    last_modified = max(session.updated_at, circle.updated_at).astimezone(UTC)
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("dtstamp", last_modified)
    event.add("last-modified", last_modified)
    event.add("summary", circle.title)
    if circle.agenda:
        event.add("description", circle.agenda)
    if circle.location:
        event.add("location", circle.location)
    event.add("url", session_url(session))
    return event


def calendar_of(sessions: Iterable[CircleSession], *, name: str) -> bytes:
    """A published calendar of these sessions, with a VTIMEZONE for every zone they use.
    Precondition: each session's circle is loaded."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.calendar_name = name  # NAME, and X-WR-CALNAME for clients that only know it
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    days: list[date] = []
    for session in sessions:
        event = session_event(session)
        calendar.add_component(event)
        days += [event.start.date(), event.end.date()]
    if days:
        # Each zone's rules over whole years around the sessions (both transitions of
        # each year) rather than 1970 to 2038: the text stays short, changes only when
        # the sessions do, and a client that keeps one definition per TZID still gets
        # the neighbouring dates right.
        calendar.add_missing_timezones(
            first_date=date(min(days).year, 1, 1), last_date=date(max(days).year + 1, 12, 31)
        )
    return calendar.to_ical()


def session_ics(session: CircleSession) -> bytes:
    """One session's calendar: the `.ics` download and the file attached to reminders
    and change notices. Precondition: `session.circle` is loaded."""
    return calendar_of([session], name=session.circle.title)


# --- the private feed -----------------------------------------------------------------


def feed_sessions(user: User, *, now: datetime | None = None) -> QuerySet[CircleSession]:
    """Every session from 60 days ago on of the circles `user` belongs to or hosts, in
    the organisations where they are staff now, cancelled ones included (so calendars
    remove them). One query. Someone who leaves a circle, or the organisation, loses
    its sessions at the next poll."""
    now = now or timezone.now()
    organizations = Membership.objects.filter(
        user_id=user.pk, is_active=True, role__in=STAFF_ROLES
    ).values("organization_id")
    is_member = LearningCircle.members.through.objects.filter(
        learningcircle_id=OuterRef("circle_id"), user_id=user.pk
    )
    return (
        CircleSession.objects.filter(
            Q(Exists(is_member)) | Q(circle__host_id=user.pk),
            circle__community__organization_id__in=organizations,
            starts_at__gte=now - FEED_PAST,
        )
        .select_related("circle")
        .order_by("starts_at", "pk")
    )


def feed_name(user: User) -> str:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return _("MiiWrap learning circles")


def feed_calendar(user: User, *, now: datetime | None = None) -> bytes:
    """The person's feed (two queries in all, however many sessions)."""
    return calendar_of(feed_sessions(user, now=now), name=feed_name(user))


def feed_etag(user: User, *, now: datetime | None = None) -> str:
    """The feed's ETag header value (weak: it names the data, not the bytes), from one
    aggregate query and without building the feed.

    It changes when a session joins or leaves the feed, when one is moved or cancelled
    (sequence, updated_at) and when a circle is edited (its updated_at). The ids and
    sequences are hashed as a whole rather than summed: leaving one circle and joining
    another can keep the count and the sum of ids the same."""
    facts = (
        feed_sessions(user, now=now)
        .select_related(None)
        .order_by()
        .aggregate(
            rows=MD5(
                StringAgg(
                    Concat(
                        Cast("pk", CharField()),
                        Value("."),
                        Cast("sequence", CharField()),
                        output_field=CharField(),
                    ),
                    delimiter=",",
                    order_by="pk",
                )
            ),
            sessions_changed=Max("updated_at"),
            circles_changed=Max("circle__updated_at"),
        )
    )
    text = "|".join(
        str(part)
        for part in (
            FEED_FORMAT,
            user.language,
            facts["rows"],
            facts["sessions_changed"] and facts["sessions_changed"].isoformat(),
            facts["circles_changed"] and facts["circles_changed"].isoformat(),
        )
    )
    return f'W/"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'
