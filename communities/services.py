"""Writes for people and teams: invitations and their acceptance."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities import outbox
from communities.audit import audit_entry_create
from communities.models import (
    FamilyMember,
    FamilyTeam,
    Invitation,
    Membership,
    MessageKind,
    Organization,
    Program,
    Role,
    User,
)


class InvitationError(Exception):
    """An invitation link that can't be used; the message is for the person holding it."""


class InvitationRefused(Exception):
    """An invitation that should not be sent; the message is for the person inviting."""


class MembershipChangeRefused(Exception):
    """A role change an admin may not make; the message is for them."""


def invitation_refusal(
    *, organization: Organization, email: str, role: str, team: FamilyTeam | None
) -> str | None:
    """Why this invitation should not be sent, or None. A person holds one role per
    organisation: a member is not invited again, and an invitation still pending is
    resent rather than duplicated."""
    email = email.strip().lower()
    membership = (
        Membership.objects.filter(
            organization=organization, user__email__iexact=email, is_active=True
        )
        .select_related("user")
        .first()
    )
    if membership is not None:
        if role != Role.FAMILY or membership.role != Role.FAMILY:
            return _(
                "%(email)s is already a member of %(org)s (%(role)s). A person has one "
                "role in an organisation."
            ) % {
                "email": email,
                "org": organization.name,
                "role": membership.get_role_display(),
            }
        if team is not None and team.memberships.filter(user=membership.user).exists():
            return _("%(email)s is already in this family team.") % {"email": email}
    pending = Invitation.objects.filter(
        organization=organization,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if team is not None:
        pending = pending.filter(team=team)
    invitation = pending.first()
    if invitation is not None:
        return _(
            "%(email)s was already invited on %(date)s and the link still works. Resend it "
            "from the list of pending invitations instead."
        ) % {
            "email": email,
            "date": timezone.localtime(invitation.created_at).strftime("%Y-%m-%d"),
        }
    return None


def invitation_create(
    *,
    organization: Organization,
    by: User,
    email: str,
    role: str,
    name: str = "",
    team: FamilyTeam | None = None,
    relationship: str = "",
    programs: Iterable[Program] = (),
) -> Invitation:
    """Create an invitation and email its link once the transaction commits. Raises
    InvitationRefused (nothing written) when `invitation_refusal` says so.

    Precondition: the caller checked `by` may invite this role (access layer).
    """
    refusal = invitation_refusal(organization=organization, email=email, role=role, team=team)
    if refusal:
        raise InvitationRefused(refusal)
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organization=organization,
            email=email.strip().lower(),
            name=name.strip(),
            role=role,
            team=team,
            relationship=relationship,
            invited_by=by,
            key=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        invitation.programs.set(programs)
        audit_entry_create(
            actor=by,
            action="create",
            subject=f"invitation for {invitation.email} as {role}",
            team=team,
            organization=organization,
            detail={"invitation": invitation.pk},
        )
        _invitation_email(invitation)
    return invitation


def _invitation_email(invitation: Invitation) -> None:
    """The invitation's email, in the outbox with the invitation (one per link)."""
    outbox.email_queue(
        kind=MessageKind.INVITATION,
        subject_key=f"invitation:{invitation.pk}",
        to_email=invitation.email,
        organization=invitation.organization,
        team=invitation.team,
        params={"invitation": invitation.pk, "organization": invitation.organization.name},
        language=invitation.invited_by.language if invitation.invited_by else "",
        period=invitation.key[:16],
    )


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User) -> Invitation:
    """A fresh link, valid 7 more days, emailed again; the old link stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationRefused(_("This invitation was already used or withdrawn."))
    now = timezone.now()
    invitation.key = secrets.token_urlsafe(32)
    invitation.created_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.emailed_at = None
    invitation.save(update_fields=["key", "created_at", "expires_at", "emailed_at"])
    audit_entry_create(
        actor=by, action="change", subject=f"invitation for {invitation.email} resent",
        team=invitation.team, organization=invitation.organization,
        detail={"invitation": invitation.pk},
    )  # fmt: skip
    _invitation_email(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    """Withdraw a pending invitation: its link answers that it was withdrawn."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationRefused(_("This invitation was already accepted."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_entry_create(
            actor=by, action="change", subject=f"invitation for {invitation.email} withdrawn",
            team=invitation.team, organization=invitation.organization,
            detail={"invitation": invitation.pk},
        )  # fmt: skip
    return invitation


def invitation_check(invitation: Invitation) -> None:
    """Raise InvitationError with a clear message if the link can't be used any more."""
    if invitation.revoked_at is not None:
        raise InvitationError(
            _(
                "This invitation was withdrawn. "
                "Please ask the person who invited you if you should still join."
            )
        )
    if invitation.accepted_at is not None:
        raise InvitationError(
            _(
                "This invitation link has already been used. "
                "If it was you, just log in with your email address."
            )
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            _(
                "This invitation link expired on %(date)s. "
                "Please ask the person who invited you to send a new one."
            )
            % {"date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")}
        )


def invitation_accept(
    *, invitation_id: int, name: str, password: str = "", language: str = ""
) -> tuple[User, bool]:
    """Accept an invitation: create or reuse the user, add the membership, mark it used.

    Returns (user, created). Raises InvitationError if it was used or expired meanwhile:
    the row is locked, so two clicks at once can't both succeed.
    """
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        invitation_check(invitation)
        user = User.objects.filter(email__iexact=invitation.email).first()
        created = user is None
        if created:
            user = User.objects.create_user(
                invitation.email,
                password or None,
                name=name.strip() or invitation.name,
                language=language or settings.LANGUAGE_CODE,
            )
        # The person opened a link sent to this address: that verifies it.
        EmailAddress.objects.update_or_create(
            user=user,
            email=invitation.email,
            defaults={"verified": True, "primary": True},
        )
        membership, _created = Membership.objects.select_for_update().get_or_create(
            user=user,
            organization=invitation.organization,
            defaults={"role": invitation.role},
        )
        if membership.is_active and membership.role != invitation.role:
            # One role per organisation: the invitation can't silently change it.
            raise InvitationError(
                _(
                    "You already have a role in %(org)s (%(role)s). Please ask the person "
                    "who invited you; nothing was changed."
                )
                % {"org": invitation.organization.name, "role": membership.get_role_display()}
            )
        if not membership.is_active:
            membership.is_active = True
            membership.role = invitation.role
            membership.save(update_fields=["is_active", "role"])
        if invitation.role == Role.SUPERVISOR:
            membership.supervised_programs.add(*invitation.programs.all())
        if invitation.team_id is not None:
            FamilyMember.objects.get_or_create(
                team=invitation.team,
                user=user,
                defaults={
                    "relationship": invitation.relationship or FamilyMember.Relationship.CAREGIVER
                },
            )
            audit_entry_create(
                actor=user,
                action="change",
                subject=f"{user.email} joined the team by invitation",
                team=invitation.team,
            )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user, created


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    by: User,
    role: str,
    is_active: bool,
    programs: Iterable[Program] = (),
) -> Membership:
    """Change a staff member's role, supervised programs or standing. Audited; a
    deactivated membership is out on its next request (the access layer reads only
    active memberships). Precondition: `by` is an admin of the organisation."""
    if membership.user_id == by.pk:
        raise MembershipChangeRefused(_("You can't change your own role or deactivate yourself."))
    if role == Role.FAMILY:
        raise MembershipChangeRefused(_("Family members join a team through an invitation."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    before = {
        "role": membership.role,
        "is_active": membership.is_active,
        "programs": sorted(membership.supervised_programs.values_list("pk", flat=True)),
    }
    programs = list(programs) if role == Role.SUPERVISOR else []
    membership.role = role
    membership.is_active = is_active
    membership.save(update_fields=["role", "is_active"])
    membership.supervised_programs.set(programs)
    after = {"role": role, "is_active": is_active, "programs": sorted(p.pk for p in programs)}
    if after != before:
        audit_entry_create(
            actor=by, action="change",
            subject=f"membership of {membership.user.email}: role {before['role']} → {role}"
            + ("" if is_active else ", deactivated"),
            organization=membership.organization,
            detail={"membership": membership.pk, "before": before, "after": after},
        )  # fmt: skip
    return membership


@transaction.atomic
def user_preferences_update(
    *,
    user: User,
    name: str,
    language: str,
    time_zone: str,
    quiet_hours_start=None,
    quiet_hours_end=None,
    messages: dict[str, tuple[bool, str]] | None = None,
) -> User:
    """Profile, quiet hours and, per message kind, (email on, cadence).
    Precondition: the form checked every value is offered."""
    user.name = name.strip()
    user.language = language
    user.time_zone = time_zone
    user.quiet_hours_start = quiet_hours_start
    user.quiet_hours_end = quiet_hours_end
    user.save(
        update_fields=["name", "language", "time_zone", "quiet_hours_start", "quiet_hours_end"]
    )
    for kind, (email, cadence) in (messages or {}).items():
        outbox.preference_set(user=user, kind=kind, email=email, cadence=cadence)
    return user


def user_language_set(*, user: User, language: str) -> None:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
