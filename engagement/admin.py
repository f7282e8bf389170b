from django.contrib import admin

from engagement.models import (
    EngagementEvent,
    Goal,
    GoalComment,
    GoalRevision,
    GoalStep,
    MeetingCheckIn,
    ProgressCheckIn,
)


class GoalStepInline(admin.TabularInline):
    model = GoalStep
    extra = 0


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["statement", "team", "status", "statement_wording", "version", "updated_at"]
    list_filter = [
        "status",
        "statement_wording",
        "family_has_written",
        "team__program__organization",
    ]
    search_fields = ["statement"]
    raw_id_fields = ["team", "created_by"]
    inlines = [GoalStepInline]


@admin.register(GoalRevision)
class GoalRevisionAdmin(admin.ModelAdmin):
    list_display = ["goal", "version", "author", "author_role", "created_at"]
    raw_id_fields = ["goal", "author", "restored_from"]


@admin.register(ProgressCheckIn)
class ProgressCheckInAdmin(admin.ModelAdmin):
    list_display = ["goal", "by", "score", "created_at"]
    raw_id_fields = ["goal", "by"]


@admin.register(GoalComment)
class GoalCommentAdmin(admin.ModelAdmin):
    list_display = ["goal", "author", "author_role", "created_at"]
    raw_id_fields = ["goal", "author"]


@admin.register(MeetingCheckIn)
class MeetingCheckInAdmin(admin.ModelAdmin):
    list_display = ["meeting", "family_member", "agency", "relevance", "partnership"]
    raw_id_fields = ["meeting", "family_member"]


@admin.register(EngagementEvent)
class EngagementEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "team", "kind", "actor_role", "value"]
    list_filter = ["kind", "actor_role"]
    raw_id_fields = ["team", "actor"]
