"""The outbox: the one way anything is sent to anyone (DESIGN.md, "Delivery").

Writing: a service calls `notify` (in-app, plus an email if the person wants it now) or
`email_queue` inside the transaction of the change that causes the message. Each row's
`key` is unique per recipient × kind × subject × period, so a retried cause writes
nothing twice. On commit, a task is enqueued to send each new email (the fast path).

Sending: `message_deliver` claims a row with a conditional UPDATE (pending and due, or
sending with an expired lease → sending, attempts + 1, a fresh lease), renders it in the
recipient's language and time zone, sends it, and marks it sent only if the claim is
still its own (`attempts` fences out a claimer whose lease ran out). A failure goes back
to pending with exponential backoff and the error kept; after the last try it is failed.
`outbox_sweep` (beat, every minute; also `manage.py outbox_sweep`) claims due rows with
SELECT … FOR UPDATE SKIP LOCKED, so two sweepers or workers never send one row twice.
The Message-ID derives from the key: the one window no database closes (a crash after
the SMTP server accepted, before the mark) re-sends the same Message-ID at worst.
"""

from __future__ import annotations

import hashlib
import logging
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from communities.models import (
    Cadence,
    FamilyTeam,
    Message,
    MessageKind,
    MessagePreference,
    Organization,
    User,
)

log = logging.getLogger(__name__)

SWEEP_BATCH = 200

# What each kind does by email unless the person chose otherwise.
DEFAULT_CADENCE = {
    MessageKind.CHECKIN_REQUEST: Cadence.INSTANT,
    MessageKind.COMMENT: Cadence.DAILY,
    MessageKind.CHECKIN_ANSWERED: Cadence.DAILY,
    MessageKind.FAMILY_GOAL_CREATED: Cadence.DAILY,
    MessageKind.FAMILY_GOAL_EDITED: Cadence.DAILY,
    MessageKind.CIRCLE_REMINDER: Cadence.INSTANT,
    MessageKind.CIRCLE_CHANGED: Cadence.INSTANT,
    MessageKind.REFLECTION_PROMPT: Cadence.INSTANT,
    MessageKind.PROMPT_REMINDER: Cadence.INSTANT,
    MessageKind.REFLECTION_RESPONSE: Cadence.DAILY,
    MessageKind.DIGEST: Cadence.INSTANT,
    MessageKind.DRIFT_REMINDER: Cadence.INSTANT,
    MessageKind.DRIFT_DIGEST: Cadence.DAILY,
}
# Kinds people choose for themselves (and can unsubscribe from). Invitations and account
# mail (login codes) are answers to something someone asked for, so they are always sent.
CHOOSABLE_KINDS = tuple(DEFAULT_CADENCE)
# A digest itself is on or off; its cadence is the one of the kinds it gathers.
CADENCE_CHOICES = {kind: Cadence.values for kind in CHOOSABLE_KINDS}
CADENCE_CHOICES[MessageKind.DIGEST] = [Cadence.INSTANT]
# A reminder is only useful on time.
CADENCE_CHOICES[MessageKind.CIRCLE_REMINDER] = [Cadence.INSTANT]
# The drift digest is its own summary (engagement.drift), daily or weekly.
CADENCE_CHOICES[MessageKind.DRIFT_DIGEST] = [Cadence.DAILY, Cadence.WEEKLY]
# What a higher app's kind needs in its email templates: kind → (message → context),
# registered by that app when it starts; it raises NotNeeded when the reason is gone.
EXTRA_CONTEXT: dict = {}


def lease() -> timedelta:
    """How long a claim is the claimer's alone; after it, a sweeper may send the row again."""
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def backoff(attempt: int) -> timedelta:
    """After the n-th failed try: base × 2^(n-1), e.g. 30 s, 1 min, 2 min, 4 min…"""
    return timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0))


# --- preferences and quiet hours ---------------------------------------------------


def preferences_for(users: Iterable[User], kind: str) -> dict[int, tuple[bool, str]]:
    """user id → (email on, cadence) for one kind, defaults filled in (one query)."""
    users = list(users)
    default = (True, DEFAULT_CADENCE.get(kind, Cadence.INSTANT))
    chosen = {
        p.user_id: (p.email, p.cadence)
        for p in MessagePreference.objects.filter(user__in=users, kind=kind)
    }
    return {u.pk: chosen.get(u.pk, default) for u in users}


def after_quiet_hours(user: User | None, now: datetime) -> datetime:
    """`now`, or the end of the person's quiet hours if `now` falls inside them."""
    if user is None or user.quiet_hours_start is None or user.quiet_hours_end is None:
        return now
    start, end = user.quiet_hours_start, user.quiet_hours_end
    if start == end:
        return now
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    clock = local.time()
    quiet = start <= clock < end if start < end else (clock >= start or clock < end)
    if not quiet:
        return now
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


# --- writing -------------------------------------------------------------------------


def message_key(channel: str, kind: str, subject: str, recipient: str, period: str = "") -> str:
    return f"{channel}:{kind}:{subject}:{recipient}:{period}"[:200]


def _insert(rows: list[Message]) -> list[int]:
    """Insert rows whose key is new (ON CONFLICT DO NOTHING); enqueue the new emails on
    commit. Returns the ids of the emails waiting to be sent."""
    if not rows:
        return []
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [r.key for r in rows if r.channel == Message.Channel.EMAIL]
    if not keys:
        return []
    ids = list(
        Message.objects.filter(key__in=keys, state=Message.State.PENDING).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(lambda: _enqueue(ids))
    return ids


def emails_queue(rows: list[Message]) -> list[int]:
    """Many ready-made email rows at once (a scheduler's batch): the new ones are written
    and enqueued on commit, those whose key exists are left alone. Returns the new ids."""
    return _insert(rows)


def _enqueue(ids: list[int]) -> None:
    """The fast path. If the broker is down the rows wait for the sweeper."""
    from communities.tasks import outbox_send

    for pk in ids:
        try:
            outbox_send.delay(pk)
        except Exception:  # the sweeper sends it once the broker or a worker is back
            log.warning("could not enqueue message %s; the sweeper will send it", pk)


@dataclass(frozen=True)
class Notice:
    """One in-app message (and an email now, for those who want this kind right away)
    to each of `recipients`: what `notify` writes, for `notify_many`."""

    recipients: tuple
    kind: str
    subject_key: str
    team_id: int | None = None
    organization_id: int | None = None
    params: dict = field(default_factory=dict)
    url: str = ""


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject_key: str,
    team: FamilyTeam | None = None,
    organization: Organization | None = None,
    params: dict | None = None,
    url: str = "",
    now: datetime | None = None,
) -> None:
    """In-app for each recipient, and an email now for those whose preference for `kind`
    is instant (the others get it in their digest). Call inside the causing transaction."""
    organization_id = team.program.organization_id if team is not None else None
    if organization is not None:
        organization_id = organization.pk
    notice = Notice(
        recipients=tuple(recipients), kind=kind, subject_key=subject_key,
        team_id=team.pk if team is not None else None, organization_id=organization_id,
        params=params or {}, url=url,
    )  # fmt: skip
    notify_many([notice], now=now)


def notify_many(notices: Iterable[Notice], *, now: datetime | None = None) -> list[int]:
    """`notify` for many messages at once: one query for the preferences, one insert.
    Returns the ids of the emails waiting to be sent."""
    notices = [n for n in notices if any(r is not None for r in n.recipients)]
    if not notices:
        return []
    now = now or timezone.now()
    people = {r.pk: r for n in notices for r in n.recipients if r is not None}
    kinds = {n.kind for n in notices}
    chosen = {
        (p.user_id, p.kind): (p.email, p.cadence)
        for p in MessagePreference.objects.filter(user_id__in=people, kind__in=kinds)
    }
    rows = []
    for notice in notices:
        default = (True, DEFAULT_CADENCE.get(notice.kind, Cadence.INSTANT))
        common = {
            "kind": notice.kind,
            "team_id": notice.team_id,
            "organization_id": notice.organization_id,
            "subject_key": notice.subject_key[:64],
            "params": notice.params,
            "url": notice.url,
            "created_at": now,
        }
        for r in dict.fromkeys(r for r in notice.recipients if r is not None):
            email_on, cadence = chosen.get((r.pk, notice.kind), default)
            instant = email_on and cadence == Cadence.INSTANT and r.is_active
            # The in-app row of an instant email counts as emailed: no digest repeats it.
            rows.append(
                Message(
                    key=message_key("app", notice.kind, notice.subject_key, str(r.pk)),
                    channel=Message.Channel.APP, recipient=r, state=Message.State.SENT,
                    sent_at=now, emailed_at=now if instant else None, **common,
                )
            )  # fmt: skip
            if instant:
                rows.append(
                    Message(
                        key=message_key("email", notice.kind, notice.subject_key, str(r.pk)),
                        channel=Message.Channel.EMAIL, recipient=r, to_email=r.email,
                        language=r.language, state=Message.State.PENDING,
                        next_attempt_at=after_quiet_hours(r, now), emailed_at=now, **common,
                    )
                )  # fmt: skip
    return _insert(rows)


def email_queue(
    *,
    kind: str,
    subject_key: str,
    to_email: str,
    recipient: User | None = None,
    organization: Organization | None = None,
    team: FamilyTeam | None = None,
    params: dict | None = None,
    url: str = "",
    language: str = "",
    period: str = "",
) -> list[int]:
    """One email (invitations, account mail, digests), written in the caller's
    transaction and enqueued on commit. Returns its id if it is new and waiting."""
    return _insert(
        [
            Message(
                key=message_key("email", kind, subject_key, str(recipient.pk if recipient
                                                                else to_email), period),
                channel=Message.Channel.EMAIL,
                kind=kind,
                recipient=recipient,
                to_email=to_email,
                organization=organization or (team.program.organization if team else None),
                team=team,
                subject_key=subject_key[:64],
                params=params or {},
                url=url,
                language=language or (recipient.language if recipient else ""),
                state=Message.State.PENDING,
            )
        ]
    )  # fmt: skip


# --- sending ---------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(channel=Message.Channel.EMAIL) & (
        Q(state=Message.State.PENDING, next_attempt_at__lte=now)
        | Q(state=Message.State.SENDING, lease_until__lt=now)
    )


def message_claim(message_id: int, *, now: datetime | None = None) -> int | None:
    """Claim one due email for sending (a conditional UPDATE). Returns the attempt
    number that fences this claim, or None if it isn't due or someone else has it."""
    now = now or timezone.now()
    claimed = Message.objects.filter(_due(now), pk=message_id).update(
        state=Message.State.SENDING, lease_until=now + lease(), attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return Message.objects.values_list("attempts", flat=True).get(pk=message_id)


def outbox_claim_batch(*, limit: int = SWEEP_BATCH, now: datetime | None = None) -> list:
    """Claim up to `limit` due emails at once: SKIP LOCKED lets sweepers run side by
    side without waiting for, or taking, each other's rows."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Message.objects.filter(_due(now))
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        Message.objects.filter(pk__in=ids).update(
            state=Message.State.SENDING, lease_until=now + lease(), attempts=F("attempts") + 1
        )
    return list(Message.objects.filter(pk__in=ids).values_list("pk", "attempts"))


def message_deliver(message_id: int) -> bool:
    """Claim, send and mark one email. Safe to call twice or for a missing row."""
    attempt = message_claim(message_id)
    if attempt is None:
        return False
    return _send_claimed(message_id, attempt)


def outbox_sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Send every email that is due or whose lease ran out. Returns how many were sent."""
    sent = 0
    for pk, attempt in outbox_claim_batch(limit=limit):
        sent += _send_claimed(pk, attempt)
    return sent


def _send_claimed(message_id: int, attempt: int) -> bool:
    mine = Message.objects.filter(pk=message_id, state=Message.State.SENDING, attempts=attempt)
    if not mine.update(lease_until=timezone.now() + lease()):
        return False  # the lease ran out while the row waited its turn, and it was claimed again
    message = (
        Message.objects.select_related("recipient", "organization", "team")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return False
    try:
        email = render_email(message)
    except NotNeeded as reason:
        mine.update(state=Message.State.CANCELLED, lease_until=None, last_error=str(reason))
        return False
    try:
        get_connection().send_messages([email])
    except SoftTimeLimitExceeded:
        raise  # the task ran out of time: not this email's fault; its lease will expire
    except Exception as error:  # SMTP refused, timed out, DNS…: retry with backoff
        now = timezone.now()
        if attempt >= settings.OUTBOX_MAX_ATTEMPTS:
            mine.update(state=Message.State.FAILED, lease_until=None, last_error=repr(error))
            log.error("message %s failed for good: %r", message_id, error)
        else:
            mine.update(
                state=Message.State.PENDING,
                lease_until=None,
                next_attempt_at=now + backoff(attempt),
                last_error=repr(error),
            )
        return False
    done = {"state": Message.State.SENT, "sent_at": timezone.now(), "lease_until": None}
    if message.kind == MessageKind.ACCOUNT:
        # A login code or reset link is not kept once it went out.
        done["params"] = {"subject": message.params.get("subject", "")}
    mine.update(**done)
    if message.kind == MessageKind.INVITATION:
        from communities.models import Invitation

        Invitation.objects.filter(pk=message.params.get("invitation")).update(
            emailed_at=timezone.now()
        )
    return True


# --- rendering -------------------------------------------------------------------------


class NotNeeded(Exception):
    """The message's reason is gone (a check-in answered, an invitation withdrawn)."""


def message_id_for(message: Message) -> str:
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:40]
    domain = urlsplit(settings.SITE_URL).hostname or "miiwrap.invalid"
    return f"<{digest}@{domain}>"


_UNSUBSCRIBE_SALT = "miiwrap.unsubscribe"


def unsubscribe_token(user: User, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=_UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[User, str]:
    """(user, kind) of a signed unsubscribe link; ValueError when it is not valid."""
    try:
        data = signing.loads(
            token, salt=_UNSUBSCRIBE_SALT, max_age=timedelta(days=settings.UNSUBSCRIBE_DAYS)
        )
    except signing.BadSignature:
        raise ValueError("bad or expired link") from None
    kind = data.get("k")
    if kind not in CHOOSABLE_KINDS:
        raise ValueError("no such kind")
    user = User.objects.filter(pk=data.get("u")).first()
    if user is None:
        raise ValueError("no such person")
    return user, kind


def _from_address(message: Message) -> str:
    """The organisation's name, our address (Django encodes the name when it sends)."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if message.organization is not None:
        name = f"{message.organization.name} · MiiWrap"
    name = (name or "MiiWrap").replace("\\", "").replace('"', "")
    return f'"{name}" <{address}>'


def render_email(message: Message) -> EmailMultiAlternatives:
    """The email for a row, in the recipient's language and time zone, HTML and text."""
    recipient = message.recipient
    language = message.language or (recipient.language if recipient else "") or "en"
    zone = recipient.time_zone if recipient else settings.TIME_ZONE
    headers = {"Message-ID": message_id_for(message)}
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        params = dict(message.params)
        if "date" in params:
            params["date"] = date_format(date.fromisoformat(params["date"]), "DATE_FORMAT")
        context = {
            "message": message,
            "params": params,
            "recipient": recipient,
            "organization": message.organization,
            "site_url": settings.SITE_URL,
            "link": settings.SITE_URL + message.url if message.url else "",
        }
        if message.kind == MessageKind.ACCOUNT:
            subject = message.params.get("subject", "")
            text, html = message.params.get("text", ""), message.params.get("html", "")
            if not text:
                raise NotNeeded("account mail already sent (its text is not kept)")
        else:
            context.update(_extra_context(message))
            if recipient is not None and message.kind in CHOOSABLE_KINDS:
                unsubscribe = settings.SITE_URL + reverse(
                    "unsubscribe", args=[unsubscribe_token(recipient, message.kind)]
                )
                context["unsubscribe_url"] = unsubscribe
                context["preferences_url"] = settings.SITE_URL + reverse("preferences")
                headers["List-Unsubscribe"] = f"<{unsubscribe}>"
                headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            base = f"communities/email/{message.kind}"
            subject = render_to_string(f"{base}_subject.txt", context).strip()
            text = render_to_string(f"{base}.txt", context)
            html = render_to_string(f"{base}.html", context)
    email = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=_from_address(message),
        to=[message.address],
        headers=headers,
    )
    if html:
        email.attach_alternative(html, "text/html")
    if message.kind in (MessageKind.CIRCLE_REMINDER, MessageKind.CIRCLE_CHANGED):
        from communities.ical import session_ics

        email.attach("session.ics", session_ics(context["session"]), "text/calendar")
    return email


def _extra_context(message: Message) -> dict:
    """What a kind's templates need beyond the row, checked at send time."""
    if message.kind == MessageKind.INVITATION:
        from communities.models import Invitation

        invitation = (
            Invitation.objects.select_related("organization", "team", "invited_by")
            .filter(pk=message.params.get("invitation"))
            .first()
        )
        if invitation is None or invitation.accepted_at or invitation.revoked_at:
            raise NotNeeded("the invitation was used or withdrawn")
        return {
            "invitation": invitation,
            "link": settings.SITE_URL + reverse("invitation_accept", args=[invitation.key]),
            "valid_days": settings.INVITATION_VALID_DAYS,
        }
    if message.kind == MessageKind.DIGEST:
        items = list(
            Message.objects.filter(pk__in=message.params.get("items", [])).order_by("created_at")
        )
        if not items:
            raise NotNeeded("nothing left to summarise")
        return {"items": items}
    if message.kind in (MessageKind.CIRCLE_REMINDER, MessageKind.CIRCLE_CHANGED):
        from communities.models import CircleSession, SessionResponse

        session = (
            CircleSession.objects.select_related("circle")
            .filter(pk=message.params.get("session"))
            .first()
        )
        if session is None:
            raise NotNeeded("the session is gone")
        if message.kind == MessageKind.CIRCLE_REMINDER:
            if session.is_cancelled:
                raise NotNeeded("the session was cancelled")
            if session.starts_at <= timezone.now():
                raise NotNeeded("the session has started")
            if not session.circle.members.filter(pk=message.recipient_id).exists():
                raise NotNeeded("no longer a member of the circle")
            if SessionResponse.objects.filter(
                session=session, user_id=message.recipient_id, rsvp=SessionResponse.Rsvp.NOT_GOING
            ).exists():
                raise NotNeeded("the member is not going")
        return {"session": session, "circle": session.circle}
    if message.kind in EXTRA_CONTEXT:
        return EXTRA_CONTEXT[message.kind](message)
    return {}


# --- digests -----------------------------------------------------------------------------


def digest_period(cadence: str, now: datetime) -> str:
    if cadence == Cadence.WEEKLY:
        year, week, _ = now.isocalendar()
        return f"{year}-W{week:02d}"
    return now.date().isoformat()


def digests_compose(*, cadence: str, now: datetime | None = None) -> int:
    """Gather each person's in-app messages not yet emailed, of the kinds they want in a
    `cadence` summary, into one digest email per person and period (at most once: the
    key). Returns how many digests were written."""
    now = now or timezone.now()
    period = digest_period(cadence, now)
    waiting = (
        Message.objects.filter(
            channel=Message.Channel.APP,
            recipient__isnull=False,
            recipient__is_active=True,
            read_at__isnull=True,
            emailed_at__isnull=True,
            kind__in=CHOOSABLE_KINDS,
        )
        .select_related("recipient")
        .order_by("recipient_id", "created_at")
    )
    by_person: dict[int, list[Message]] = {}
    for message in waiting:
        by_person.setdefault(message.recipient_id, []).append(message)
    if not by_person:
        return 0
    chosen = {
        (p.user_id, p.kind): (p.email, p.cadence)
        for p in MessagePreference.objects.filter(user_id__in=by_person)
    }
    written = 0
    for user_id, messages in by_person.items():
        digest_on, _ = chosen.get((user_id, MessageKind.DIGEST), (True, Cadence.INSTANT))
        items = [
            m
            for m in messages
            if chosen.get((user_id, m.kind), (True, DEFAULT_CADENCE[m.kind])) == (True, cadence)
        ]
        if not items or not digest_on:
            continue
        recipient = items[0].recipient
        with transaction.atomic():
            new = email_queue(
                kind=MessageKind.DIGEST,
                subject_key=f"{cadence}",
                to_email=recipient.email,
                recipient=recipient,
                params={"items": [m.pk for m in items], "cadence": cadence},
                url=reverse("notifications"),
                period=period,
            )
            if new:
                Message.objects.filter(pk__in=[m.pk for m in items]).update(emailed_at=now)
                written += 1
    return written


# --- what people and admins do ---------------------------------------------------------


def preference_set(*, user: User, kind: str, email: bool, cadence: str) -> MessagePreference:
    """Precondition: `kind` is choosable and `cadence` offered for it (the form checks)."""
    preference, _ = MessagePreference.objects.update_or_create(
        user=user, kind=kind, defaults={"email": email, "cadence": cadence}
    )
    return preference


def unsubscribe(*, user: User, kind: str) -> MessagePreference:
    """One kind's emails off for one person; everything else stays as it was."""
    current = preferences_for([user], kind)[user.pk]
    return preference_set(user=user, kind=kind, email=False, cadence=current[1])


def message_retry(*, message: Message) -> bool:
    """An admin sends a failed email again, from a fresh set of tries (the last error
    stays on the row until it is sent)."""
    retried = Message.objects.filter(pk=message.pk, state=Message.State.FAILED).update(
        state=Message.State.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    if retried:
        transaction.on_commit(lambda: _enqueue([message.pk]))
    return bool(retried)


def message_cancel(*, recipient: User, subject_key: str) -> int:
    """Emails not yet sent whose reason is gone (a check-in answered in the app)."""
    return Message.objects.filter(
        recipient=recipient,
        subject_key=subject_key,
        channel=Message.Channel.EMAIL,
        state=Message.State.PENDING,
    ).update(state=Message.State.CANCELLED, last_error="not needed any more")
