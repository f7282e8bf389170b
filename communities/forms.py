from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from communities.models import (
    Cadence,
    FamilyMember,
    MessageKind,
    Program,
    Role,
    User,
    time_zone_choices,
)


class StaffRoleForm(forms.Form):
    """A staff role and, for a supervisor, the programs they oversee (at least one)."""

    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(r.value, r.label) for r in (Role.FACILITATOR, Role.SUPERVISOR, Role.ADMIN)],
    )
    programs = forms.ModelMultipleChoiceField(
        label=_("Programs they supervise"),
        queryset=Program.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programs"].queryset = Program.objects.filter(organization=organization)

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.SUPERVISOR and not data.get("programs"):
            self.add_error("programs", _("Choose at least one program for a supervisor."))
        return data


class StaffInvitationForm(StaffRoleForm):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)

    field_order = ["email", "name", "role", "programs"]


class FamilyInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    relationship = forms.ChoiceField(
        label=_("Who they are in the family"), choices=FamilyMember.Relationship.choices
    )


class InvitationAcceptForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(
        label=_("Password (optional)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("You can leave this empty and log in with a code we email you."),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if password:
            password_validation.validate_password(password, User(email=self.email))
        return password


NO_EMAIL = "off"


class PreferencesForm(forms.Form):
    """Profile, quiet hours and, per kind of message, how it comes by email. Only the
    choices offered for a kind validate (communities.outbox.CADENCE_CHOICES)."""

    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    quiet_hours_start = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("No emails right away during these hours; they wait until the end."),
    )
    quiet_hours_end = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, **kwargs):
        from communities.outbox import CADENCE_CHOICES

        super().__init__(*args, **kwargs)
        labels = dict(Cadence.choices)
        for kind, cadences in CADENCE_CHOICES.items():
            if kind == MessageKind.DIGEST:
                choices = [(Cadence.INSTANT, _("yes, send me summaries")), (NO_EMAIL, _("no"))]
                label = _("Email summaries of what's new")
            else:
                choices = [(c, labels[c]) for c in cadences] + [(NO_EMAIL, _("no email"))]
                label = format_lazy(_("Email me about: {kind}"), kind=MessageKind(kind).label)
            self.fields[f"email_{kind}"] = forms.ChoiceField(label=label, choices=choices)

    def message_fields(self):
        return [self[name] for name in self.fields if name.startswith("email_")]

    def profile_fields(self):
        return [self[name] for name in self.fields if not name.startswith("email_")]

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_hours_start"), data.get("quiet_hours_end")
        if (start is None) != (end is None):
            self.add_error(
                "quiet_hours_end", _("Give both the start and the end of quiet hours, or neither.")
            )
        elif start is not None and start == end:
            self.add_error(
                "quiet_hours_end",
                _("Quiet hours must end at another time than they start (e.g. 21:00 to 07:00)."),
            )
        return data

    def preferences(self) -> dict[str, tuple[bool, str]]:
        """kind → (email on, cadence), from the cleaned choices."""
        chosen = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("email_"):
                kind = name.removeprefix("email_")
                off = value == NO_EMAIL
                chosen[kind] = (not off, Cadence.INSTANT if off else value)
        return chosen


class MembershipForm(StaffRoleForm):
    """An admin changes a staff member's role, supervised programs or standing."""

    is_active = forms.BooleanField(
        label=_("Active (can sign in to this organisation)"), required=False
    )


class OrganizationSwitchForm(forms.Form):
    organization = forms.IntegerField(min_value=1)
