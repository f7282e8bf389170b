"""Background work for communities. Tasks take ids and are safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from communities.models import Invitation


@shared_task
def invitation_send(invitation_id: int) -> bool:
    """Email the invitation link at most once: the conditional UPDATE claims the send."""
    claimed = Invitation.objects.filter(
        pk=invitation_id, emailed_at__isnull=True, accepted_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return False
    invitation = Invitation.objects.select_related("organization", "team", "invited_by").get(
        pk=invitation_id
    )
    context = {
        "invitation": invitation,
        "link": settings.SITE_URL + reverse("invitation_accept", args=[invitation.key]),
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    language = invitation.invited_by.language if invitation.invited_by else settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string("communities/email/invitation_subject.txt", context).strip()
        body = render_to_string("communities/email/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])
    return True
