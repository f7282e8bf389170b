"""What we learned: prompts, reflections, practice observations (coming with the
reflection issue; the app exists so the layout shows the architecture)."""
