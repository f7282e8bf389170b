"""Load the built-in library of reflection prompts (English and Spanish)."""

from django.db import migrations


def load(apps, schema_editor):
    from reflections.prompts import prompt_library_load

    prompt_library_load(apps.get_model("reflections", "Prompt"),
                        apps.get_model("reflections", "PromptWording"))  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("reflections", "0002_prompts_feed_milestones")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
