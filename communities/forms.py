from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from communities.models import FamilyMember, Program, Role, User, time_zone_choices


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


class PreferencesForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    email_digest = forms.BooleanField(
        label=_("Email me a daily summary of new comments and requests"), required=False
    )


class MembershipForm(StaffRoleForm):
    """An admin changes a staff member's role, supervised programs or standing."""

    is_active = forms.BooleanField(
        label=_("Active (can sign in to this organisation)"), required=False
    )


class OrganizationSwitchForm(forms.Form):
    organization = forms.IntegerField(min_value=1)
