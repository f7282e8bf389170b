from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from communities.audit import audit_entry_create
from communities.models import (
    AuditEntry,
    FamilyMember,
    FamilyTeam,
    Invitation,
    LearningCommunity,
    Membership,
    Message,
    MessagePreference,
    Organization,
    Program,
    TeamMeeting,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "language", "time_zone", "mfa_waived_for_demo"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class ProgramInline(admin.TabularInline):
    model = Program
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProgramInline]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "organization"]
    list_filter = ["organization"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "is_active"]
    list_filter = ["organization", "role", "is_active"]
    search_fields = ["user__email", "user__name"]
    filter_horizontal = ["supervised_programs"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        """Role changes made here are audited like those made on the setup page."""
        super().save_model(request, obj, form, change)
        if form.changed_data:
            audit_entry_create(
                actor=request.user,
                action="change" if change else "create",
                subject=f"membership of {obj.user.email}: {obj.role}"
                + ("" if obj.is_active else ", deactivated")
                + " (Django admin)",
                organization=obj.organization,
                detail={"membership": obj.pk, "fields": form.changed_data},
            )


class FamilyMemberInline(admin.TabularInline):
    model = FamilyMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(FamilyTeam)
class FamilyTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "phase", "opened_on", "closed_on"]
    list_filter = ["program__organization", "program", "phase"]
    search_fields = ["name"]
    filter_horizontal = ["facilitators"]
    inlines = [FamilyMemberInline]


@admin.register(LearningCommunity)
class LearningCommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "organization"]
    filter_horizontal = ["members"]


@admin.register(TeamMeeting)
class TeamMeetingAdmin(admin.ModelAdmin):
    list_display = ["team", "held_on", "duration_minutes", "family_present", "agenda_set_by"]
    list_filter = ["family_present", "agenda_set_by"]
    date_hierarchy = "held_on"
    raw_id_fields = ["team", "recorded_by"]
    filter_horizontal = ["attendees"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "team", "created_at", "accepted_at"]
    list_filter = ["organization", "role"]
    exclude = ["key"]
    raw_id_fields = ["team", "invited_by", "accepted_by"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["occurred_at", "actor", "action", "subject", "team", "ip_address"]
    list_filter = ["organization", "action"]
    search_fields = ["subject", "actor__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox, for operators: admins of an organisation use the Messages page."""

    list_display = ["created_at", "channel", "kind", "recipient", "to_email", "state", "attempts"]
    list_filter = ["channel", "state", "kind", "organization"]
    search_fields = ["key", "to_email", "recipient__email"]
    raw_id_fields = ["recipient", "team", "organization"]
    readonly_fields = ["key", "params", "last_error", "sent_at", "lease_until", "attempts"]


@admin.register(MessagePreference)
class MessagePreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "email", "cadence"]
    list_filter = ["kind", "email", "cadence"]
    raw_id_fields = ["user"]
