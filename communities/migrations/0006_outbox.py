"""One outbox for every message: in-app notifications become Message rows (delivered when
written), emails are rows with a state, a lease and retries. The at-most-once Delivery
keys become the unique Message.key; the digest on/off switch becomes a preference."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

KINDS = [
    ("invitation", "invitation to join"),
    ("checkin_request", "meeting check-in"),
    ("comment", "new comment"),
    ("checkin_answered", "the family's meeting check-in"),
    ("family_goal_created", "a goal added by the family"),
    ("family_goal_edited", "a goal edited by the family"),
    ("digest", "summary of what's new"),
    ("account", "sign-in and account email"),
]


def forwards(apps, schema_editor):
    Message = apps.get_model("communities", "Message")
    User = apps.get_model("communities", "User")
    MessagePreference = apps.get_model("communities", "MessagePreference")
    for message in Message.objects.select_related("team__program").iterator():
        message.key = f"app:{message.kind}:{message.subject_key or message.pk}:{message.recipient_id}"
        message.state = "sent"
        message.sent_at = message.created_at
        if message.team_id:
            message.organization_id = message.team.program.organization_id
        message.save(update_fields=["key", "state", "sent_at", "organization"])
    MessagePreference.objects.bulk_create(
        MessagePreference(user_id=pk, kind="digest", email=False, cadence="daily")
        for pk in User.objects.filter(email_digest=False).values_list("pk", flat=True)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0005_notification_kinds_for_facilitators"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel("Notification", "Message"),
        migrations.AddField("message", "key", models.CharField(max_length=200, default="")),
        migrations.AddField(
            "message",
            "channel",
            models.CharField(
                choices=[("email", "email"), ("app", "in the app")], default="app", max_length=8
            ),
        ),
        migrations.AddField("message", "to_email", models.EmailField(blank=True, max_length=254)),
        migrations.AddField(
            "message",
            "organization",
            models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                related_name="+", to="communities.organization",
            ),
        ),  # fmt: skip
        migrations.AddField("message", "language", models.CharField(blank=True, max_length=8)),
        migrations.AddField(
            "message",
            "state",
            models.CharField(
                choices=[("pending", "waiting to be sent"), ("sending", "sending"),
                         ("sent", "sent"), ("failed", "failed"),
                         ("cancelled", "not needed any more")],
                default="sent", max_length=9,
            ),
        ),  # fmt: skip
        migrations.AddField("message", "attempts", models.PositiveSmallIntegerField(default=0)),
        migrations.AddField(
            "message",
            "next_attempt_at",
            models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField("message", "lease_until", models.DateTimeField(blank=True, null=True)),
        migrations.AddField("message", "last_error", models.TextField(blank=True)),
        migrations.AddField("message", "sent_at", models.DateTimeField(blank=True, null=True)),
        migrations.AlterField(
            "message",
            "recipient",
            models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications", to=settings.AUTH_USER_MODEL,
            ),
        ),  # fmt: skip
        migrations.AlterField("message", "kind", models.CharField(choices=KINDS, max_length=32)),
        migrations.CreateModel(
            name="MessagePreference",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("kind", models.CharField(choices=KINDS, max_length=32)),
                ("email", models.BooleanField(default=True)),
                ("cadence", models.CharField(
                    choices=[("instant", "right away"), ("daily", "in a daily summary"),
                             ("weekly", "in a weekly summary")],
                    default="instant", max_length=8)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="message_preferences",
                                           to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "kind"),
                                            name="message_preference_unique")
                ]
            },
        ),  # fmt: skip
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AlterField("message", "key", models.CharField(max_length=200, unique=True)),
        migrations.AddIndex(
            "message",
            models.Index(
                condition=models.Q(channel="email", state__in=["pending", "sending"]),
                fields=["state", "next_attempt_at"],
                name="message_due",
            ),
        ),
        migrations.AddIndex(
            "message",
            models.Index(
                fields=["organization", "channel", "-created_at"],
                name="message_by_org",
            ),
        ),
        migrations.RenameIndex(
            "message", new_name="message_inbox", old_name="communities_recipie_5bb206_idx"
        ),
        migrations.RemoveField("user", "email_digest"),
        migrations.AddField(
            "user",
            "quiet_hours_start",
            models.TimeField(blank=True, null=True, verbose_name="quiet hours start"),
        ),
        migrations.AddField(
            "user",
            "quiet_hours_end",
            models.TimeField(blank=True, null=True, verbose_name="quiet hours end"),
        ),
        migrations.DeleteModel("Delivery"),
    ]
