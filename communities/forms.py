from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from communities.models import (
    Cadence,
    CircleFocus,
    FamilyMember,
    MessageKind,
    Program,
    Role,
    SessionResponse,
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


# --- Learning communities and circles ----------------------------------------------------


def _staff_of(organization):
    return User.objects.filter(
        memberships__organization=organization,
        memberships__is_active=True,
        memberships__role__in=[Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR],
    ).order_by("name", "email")


class CommunityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("What this community is for"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    host = forms.ModelChoiceField(
        label=_("Host (may schedule its circles)"), queryset=User.objects.none(), required=False
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members (staff of this organisation)"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = _staff_of(organization)
        self.fields["members"].queryset = _staff_of(organization)


REMINDER_CHOICES = [
    (str(7 * 24 * 60), _("a week before")),
    (str(24 * 60), _("a day before")),
    (str(2 * 60), _("2 hours before")),
    (str(60), _("an hour before")),
]
FREQUENCIES = [
    ("weekly", _("every week")),
    ("biweekly", _("every 2 weeks")),
    ("monthly_nth", _("every month, on the same weekday (e.g. the 2nd Tuesday)")),
    ("custom", _("a custom RFC 5545 rule")),
]


class CircleForm(forms.Form):
    """Scheduling a circle. `clean` builds the rule and checks every schedule rule
    (communities.circles.schedule_check), so a bad schedule never reaches a service."""

    title = forms.CharField(label=_("Title"), max_length=200)
    focus = forms.ChoiceField(label=_("Focus"), choices=CircleFocus.choices)
    agenda = forms.CharField(
        label=_("Agenda"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    starts_on = forms.DateField(
        label=_("First date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Start time (local)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    duration_minutes = forms.IntegerField(label=_("Length (minutes)"), initial=60)
    location = forms.CharField(label=_("Place or video link"), max_length=300, required=False)
    frequency = forms.ChoiceField(
        label=_("Repeats"), choices=FREQUENCIES, widget=forms.RadioSelect, initial="weekly"
    )
    custom_rrule = forms.CharField(
        label=_("Custom rule (RRULE)"),
        max_length=400,
        required=False,
        help_text=_("For example FREQ=MONTHLY;BYDAY=-1FR (the last Friday of each month)."),
    )
    count = forms.IntegerField(
        label=_("Ends after this many sessions"), required=False, min_value=1, max_value=200
    )
    until = forms.DateField(
        label=_("…or ends on this date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reminders = forms.MultipleChoiceField(
        label=_("Remind members"),
        choices=REMINDER_CHOICES,
        required=False,
        initial=[str(24 * 60), "60"],
        widget=forms.CheckboxSelectMultiple,
    )
    host = forms.ModelChoiceField(
        label=_("Host"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Empty: you host it."),
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organization, new: bool = True, by=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.new = new
        self.by = by
        self.fields["host"].queryset = _staff_of(organization)
        self.fields["members"].queryset = _staff_of(organization)

    def clean(self):
        from django.utils import timezone as tz

        from communities import circles

        data = super().clean()
        if self.errors:
            return data
        if data["frequency"] == "custom" and not data.get("custom_rrule"):
            self.add_error("custom_rrule", _("Write the rule, or choose another way to repeat."))
            return data
        if data.get("count") and data.get("until"):
            self.add_error("until", _("Choose one end: a number of sessions or a date."))
            return data
        if self.new and data["starts_on"] < tz.localdate():
            self.add_error("starts_on", _("The first session can't be in the past."))
            return data
        if data.get("until") and data["until"] < data["starts_on"]:
            self.add_error("until", _("The end date is before the first date."))
            return data
        rule = circles.build_rrule(
            frequency=data["frequency"],
            starts_on=data["starts_on"],
            count=data.get("count"),
            until=data.get("until"),
            custom=data.get("custom_rrule", ""),
        )
        schedule = circles.Schedule(
            data["starts_on"], data["start_time"], data["time_zone"], data["duration_minutes"], rule
        )
        try:
            circles.schedule_check(schedule)
        except circles.ScheduleError as error:
            field = "duration_minutes" if "minute" in str(error) else None
            self.add_error(field, str(error))
            return data
        data["rrule"] = rule
        data["schedule"] = schedule
        return data

    def circle_data(self) -> dict:
        data = self.cleaned_data
        names = ("title", "focus", "agenda", "starts_on", "start_time", "time_zone",
                 "duration_minutes", "location", "host", "rrule")  # fmt: skip
        reminders = sorted((int(m) for m in data["reminders"]), reverse=True)
        chosen = {name: data[name] for name in names} | {"reminder_minutes": reminders}
        chosen["host"] = chosen["host"] or self.by
        return chosen


class SessionMoveForm(forms.Form):
    starts_on = forms.DateField(
        label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("New start time (the circle's time zone)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


class RsvpForm(forms.Form):
    rsvp = forms.ChoiceField(choices=SessionResponse.Rsvp.choices)


def attendance_form(members, data=None, initial=None):
    """One choice per member: present, absent or excused."""
    form = forms.Form(data, initial=initial or {})
    for member in members:
        form.fields[f"member_{member.pk}"] = forms.ChoiceField(
            label=str(member),
            choices=[("", "—"), *SessionResponse.Attendance.choices],
            required=False,
            widget=forms.RadioSelect,
        )
    return form
