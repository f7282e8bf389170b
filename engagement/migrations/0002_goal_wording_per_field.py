"""Whose words, per field: rebuilt from each goal's revisions (the role of the last
revision that changed the field), and whether any family member ever wrote the goal.
Revision snapshots get the same per-field shape."""

from django.db import migrations, models

WORDING_FIELDS = ("statement", "why_it_matters", "strengths")


def _wording(role: str) -> str:
    return "family" if role == "family" else "staff"


def forwards(apps, schema_editor):
    Goal = apps.get_model("engagement", "Goal")
    GoalRevision = apps.get_model("engagement", "GoalRevision")
    for goal in Goal.objects.all().iterator():
        whose = {name: goal.statement_wording for name in WORDING_FIELDS}
        family_has_written = False
        for revision in GoalRevision.objects.filter(goal=goal).order_by("version"):
            if revision.author_role == "family":
                family_has_written = True
            for name in revision.changed_fields:
                if name in WORDING_FIELDS:
                    whose[name] = _wording(revision.author_role)
            revision.snapshot["wording"] = dict(whose)
            revision.save(update_fields=["snapshot"])
        goal.why_it_matters_wording = whose["why_it_matters"]
        goal.strengths_wording = whose["strengths"]
        goal.statement_wording = whose["statement"]
        goal.family_has_written = family_has_written or goal.statement_wording == "family"
        goal.save(
            update_fields=[
                "statement_wording", "why_it_matters_wording", "strengths_wording",
                "family_has_written",
            ]
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial")]

    operations = [
        migrations.RenameField("goal", "wording", "statement_wording"),
        migrations.AddField(
            model_name="goal",
            name="why_it_matters_wording",
            field=models.CharField(
                choices=[("family", "the family's words"), ("staff", "staff wording")],
                default="family",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="goal",
            name="strengths_wording",
            field=models.CharField(
                choices=[("family", "the family's words"), ("staff", "staff wording")],
                default="family",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="goal",
            name="family_has_written",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
