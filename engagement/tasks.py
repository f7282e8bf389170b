"""Background work for engagement. Tasks take ids, are safe to run twice, and treat a
missing row as nothing to do."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from communities.models import Notification, User
from communities.services import delivery_claim
from engagement.models import MeetingCheckIn
from engagement.services import checkin_token


@shared_task
def meeting_checkin_request(checkin_id: int) -> bool:
    """Email a family member their one-tap check-in link for a meeting (at most once)."""
    checkin = (
        MeetingCheckIn.objects.select_related("meeting__team", "family_member")
        .filter(pk=checkin_id, submitted_at__isnull=True)
        .first()
    )
    if checkin is None:
        return False
    member = checkin.family_member
    if not delivery_claim(key=f"checkin-request:{checkin.pk}", recipient=member):
        return False
    context = {
        "member": member,
        "meeting": checkin.meeting,
        "link": settings.SITE_URL + reverse("meeting_checkin", args=[checkin_token(checkin)]),
    }
    with translation.override(member.language):
        subject = render_to_string("engagement/email/checkin_subject.txt", context).strip()
        body = render_to_string("engagement/email/checkin_body.txt", context)
    send_mail(subject, body, None, [member.email])
    return True


@shared_task
def notification_digests_send() -> int:
    """Daily: one email per person with unread, not yet emailed notifications, for those
    who want a digest. At most one digest per person per day."""
    today = timezone.localdate().isoformat()
    sent = 0
    waiting = Notification.objects.filter(
        recipient=OuterRef("pk"), read_at__isnull=True, emailed_at__isnull=True
    )
    recipients = User.objects.filter(Exists(waiting), email_digest=True, is_active=True)
    for user in recipients:
        if not delivery_claim(key=f"digest:{user.pk}:{today}", recipient=user):
            continue
        pending = list(
            Notification.objects.filter(
                recipient=user, read_at__isnull=True, emailed_at__isnull=True
            ).order_by("created_at")
        )
        if not pending:
            continue
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=timezone.now()
        )
        context = {"user": user, "notifications": pending, "site_url": settings.SITE_URL}
        with translation.override(user.language):
            subject = render_to_string("engagement/email/digest_subject.txt", context).strip()
            body = render_to_string("engagement/email/digest_body.txt", context)
        send_mail(subject, body, None, [user.email])
        sent += 1
    return sent
