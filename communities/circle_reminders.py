"""Learning-circle reminders, written to the outbox by a periodic task (every 5 minutes).

Each circle lists how many minutes before a session its members are reminded (default a
day and an hour). A reminder is due once its moment has passed and the session has not
started. One run is set-based: a single SQL statement finds every (session, offset,
member) still owed a reminder, whatever the number of circles, sessions and members;
then sessions, people and preferences are loaded in one query each and all rows are
written with one insert.

Rules kept:
- never for a cancelled session, a member who answered "not going", an inactive account
  or someone no longer active in the circle's organisation; the outbox's preferences
  skip the email for people who turned the kind off (they still see it in the app);
- at most one per member × session × offset: the subject key names both, and the
  outbox's key is unique (two runs at once write each row once);
- when several offsets are due at once (a session scheduled at short notice, or the
  queue was down for a while) only the nearest is sent: a "tomorrow" reminder an hour
  before the session would be noise. The skipped one is never sent later either.
The email is rendered at send time (communities.outbox), where a reminder whose reason
went away in the meantime (cancelled, declined, started) is not sent.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from communities import outbox
from communities.models import (
    Cadence,
    CircleSession,
    LearningCircle,
    LearningCommunity,
    Membership,
    Message,
    MessageKind,
    SessionResponse,
    User,
)


def reminder_subject_key(session_id: int, minutes: int) -> str:
    """The outbox subject of one reminder; the SQL below builds the same text."""
    return f"session:{session_id}:before{minutes}"


def _due_sql() -> str:
    """(session id, minutes, member id) of every reminder due now and not yet written."""
    table = {
        "session": CircleSession._meta.db_table,
        "circle": LearningCircle._meta.db_table,
        "members": LearningCircle.members.through._meta.db_table,
        "community": LearningCommunity._meta.db_table,
        "membership": Membership._meta.db_table,
        "user": User._meta.db_table,
        "response": SessionResponse._meta.db_table,
        "message": Message._meta.db_table,
    }
    # `reminder_minutes` is a JSON list; anything else counts as no reminders. Only table
    # names (our models') are formatted in; every value is a query parameter.
    return """
        WITH due AS (
            SELECT DISTINCT ON (s.id) s.id AS session_id, s.circle_id, o.minutes
            FROM {session} s
            JOIN {circle} c ON c.id = s.circle_id
            CROSS JOIN LATERAL (
                SELECT value::int AS minutes
                FROM jsonb_array_elements_text(
                    CASE WHEN jsonb_typeof(c.reminder_minutes) = 'array'
                         THEN c.reminder_minutes ELSE '[]'::jsonb END
                )
                WHERE value ~ '^[0-9]{{1,6}}$'
            ) o
            WHERE s.status = %(scheduled)s
              AND s.starts_at > %(now)s
              AND o.minutes > 0
              AND s.starts_at - make_interval(mins => o.minutes) <= %(now)s
            ORDER BY s.id, o.minutes
        )
        SELECT due.session_id, due.minutes, cm.user_id
        FROM due
        JOIN {circle} c ON c.id = due.circle_id
        JOIN {community} lc ON lc.id = c.community_id
        JOIN {members} cm ON cm.learningcircle_id = due.circle_id
        JOIN {user} u ON u.id = cm.user_id AND u.is_active
        WHERE EXISTS (
                SELECT 1 FROM {membership} m
                WHERE m.user_id = cm.user_id AND m.organization_id = lc.organization_id
                  AND m.is_active
            )
          AND NOT EXISTS (
                SELECT 1 FROM {response} r
                WHERE r.session_id = due.session_id AND r.user_id = cm.user_id
                  AND r.rsvp = %(not_going)s
            )
          AND NOT EXISTS (
                SELECT 1 FROM {message} msg
                WHERE msg.subject_key = 'session:' || due.session_id || ':before' || due.minutes
                  AND msg.kind = %(kind)s AND msg.channel = %(app)s
                  AND msg.recipient_id = cm.user_id
            )
        ORDER BY due.session_id, due.minutes, cm.user_id
    """.format(**table)  # noqa: S608


def reminders_queue(*, now: datetime | None = None) -> int:
    """Write every reminder that is due: in the app for each member, and an email for
    those who want this kind by email. Safe to run again and side by side (the outbox
    key). Returns how many reminders (member × session × offset) were new."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _due_sql(),
            {
                "now": now,
                "scheduled": CircleSession.Status.SCHEDULED,
                "not_going": SessionResponse.Rsvp.NOT_GOING,
                "kind": MessageKind.CIRCLE_REMINDER,
                "app": Message.Channel.APP,
            },
        )
        due = cursor.fetchall()
    if not due:
        return 0
    sessions = CircleSession.objects.select_related("circle__community").in_bulk(
        {session_id for session_id, _, _ in due}
    )
    people = User.objects.in_bulk({user_id for _, _, user_id in due})
    preferences = outbox.preferences_for(people.values(), MessageKind.CIRCLE_REMINDER)
    rows = []
    for session_id, minutes, user_id in due:
        rows += _rows(sessions[session_id], minutes, people[user_id], preferences, now)
    with transaction.atomic():
        outbox._insert(rows)
    return len(due)


def _rows(
    session: CircleSession,
    minutes: int,
    person: User,
    preferences: dict[int, tuple[bool, str]],
    now: datetime,
) -> list[Message]:
    """The in-app row and, if the person wants it by email now, the email row: what
    outbox.notify writes for one recipient, for many sessions in one insert."""
    kind = MessageKind.CIRCLE_REMINDER
    subject_key = reminder_subject_key(session.pk, minutes)
    email_on, cadence = preferences[person.pk]
    emailed = email_on and cadence == Cadence.INSTANT
    common = {
        "kind": kind,
        "recipient": person,
        "organization_id": session.circle.community.organization_id,
        "subject_key": subject_key,
        "params": {
            "session": session.pk,
            "circle": session.circle.title,
            "minutes": minutes,
            "starts_at": session.starts_at.isoformat(),
        },
        "url": f"/circles/sessions/{session.pk}/",
        "created_at": now,
        # The in-app row of an instant email counts as emailed: no digest repeats it.
        "emailed_at": now if emailed else None,
    }
    rows = [
        Message(
            key=outbox.message_key("app", kind, subject_key, str(person.pk)),
            channel=Message.Channel.APP,
            state=Message.State.SENT,
            sent_at=now,
            **common,
        )
    ]
    if emailed:
        rows.append(
            Message(
                key=outbox.message_key("email", kind, subject_key, str(person.pk)),
                channel=Message.Channel.EMAIL,
                to_email=person.email,
                language=person.language,
                state=Message.State.PENDING,
                next_attempt_at=outbox.after_quiet_hours(person, now),
                **common,
            )
        )
    return rows
