"""What reflections does when communities tells it something happened (communities
never imports reflections: it sends signals, connected in ReflectionsConfig.ready)."""

from __future__ import annotations

from django.dispatch import receiver

from communities.circles import circle_session_ended
from communities.models import CircleSession
from reflections.prompts import session_prompts_plan


@receiver(circle_session_ended, dispatch_uid="reflections.session_prompts")
def _on_circle_session_ended(sender, *, session: CircleSession, **kwargs) -> None:
    """A session ended: its members get the after-session prompt, if a schedule says so."""
    session_prompts_plan(session=session)
