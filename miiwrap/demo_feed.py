"""Demo content for a learning community's feed: a bilingual practice community where
facilitators share what they learn after team meetings and circle sessions, respond to
each other, say what helped them, follow their "try next" through, and celebrate a
milestone. Called by `seed_demo`; written through the real services, so search vectors,
audit entries, engagement events and notifications are all there.

Idempotent: nothing is added once the community's demo reflections exist."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.db import transaction

from communities.models import (
    CircleSession,
    FamilyTeam,
    LearningCommunity,
    Membership,
    Organization,
    Role,
    User,
)
from reflections.community import (
    MilestoneNotReached,
    helped_set,
    milestone_share,
    response_create,
)
from reflections.models import Reflection
from reflections.search import reflections_index
from reflections.services import reflection_create, session_reflection_create

# Facilitators who join the community for the demo (no login: their words only).
NEWCOMERS = [
    ("lucia.fernandez@riverbend.example", "Lucía Fernández", "es"),
    ("marcus.bell@riverbend.example", "Marcus Bell", "en"),
    ("tomas.reyes@riverbend.example", "Tomás Reyes", "es"),
]


@dataclass
class Entry:
    """One demo reflection: who, how many days ago, on what, and what was said."""

    author: str  # a key of the cast
    days_ago: float
    on: str  # "team", "lab" or "voice" (the MI skills lab, the family voice circle)
    data: dict
    follow_through: tuple[str, str] | None = None
    responses: list[tuple[str, str]] = field(default_factory=list)  # (cast key, text)
    helped_by: list[str] = field(default_factory=list)


ENTRIES = [
    Entry("priya", 33, "team", {
        "worked": "Six people at the table and Dad still got the first word: I asked him what "
                  "he wanted the team to understand about his son before anyone reported.",
        "drifted": "I ran the rest of the agenda from my notes. The family spoke least.",
        "try_next": "Send the agenda as questions the day before and let the family choose "
                    "the order.",
        "principles": ["family_voice", "team_based"], "visibility": "shared",
    }, responses=[("jordan", "Agenda as questions: I'm borrowing this for Thursday.")],
        helped_by=["jordan", "marcus"]),
    Entry("maya", 27, "lab", {
        "worked": "Coding my own recording in the lab was humbling and useful.",
        "drifted": "R:Q of 0.8: more questions than reflections, and most of them closed.",
        "try_next": "Two reflections before each question in my next recorded meeting.",
        "principles": ["persistence"], "visibility": "shared",
    }, responses=[("supervisor", "Thank you for coding your own recording first — that "
                                 "made it safe for everyone else to bring theirs.")],
        helped_by=["lucia", "priya"]),
    Entry("lucia", 20, "lab", {
        "worked": "En la práctica en parejas, una reflexión compleja (“parece que quieres que "
                  "tu hijo vuelva a confiar en ti”) abrió más que tres preguntas seguidas.",
        "drifted": "Cuando hubo silencio, volví a preguntar en lugar de esperar.",
        "try_next": "Contar hasta cinco en los silencios antes de hablar.",
        "principles": ["family_voice"], "visibility": "shared",
    }, responses=[
        ("maya", "Counting to five is going on a sticky note on my laptop. Gracias, Lucía."),
        ("supervisor", "That reflection went past the words to the hope underneath. Could you "
                       "bring it to next week's lab as our example?"),
    ], helped_by=["maya", "marcus", "tomas"]),
    Entry("priya", 14, "team", {
        "worked": "The family reordered the agenda and started with the youth's job search; "
                  "he led that part himself.",
        "drifted": "I summarised his plan back in my words and he went quiet.",
        "try_next": "Ask him to summarise instead, and write his words into the plan.",
        "principles": ["family_voice", "strengths_based"], "visibility": "shared",
    }, follow_through=("tried", "They chose to start with the job search. Best meeting yet.")),
    Entry("marcus", 12, "voice", {
        "worked": "Our family partner reminded us that family voice means the family chooses "
                  "the words in the plan, not that they agree to ours.",
        "drifted": "Two of my plans still have goals I wrote and read back to the family.",
        "try_next": "Rewrite one goal with Dad at the next meeting, his words first, mine "
                    "only if he asks.",
        "principles": ["family_voice"], "visibility": "shared",
    }, responses=[("priya", "Same for me. Want to pair up and read each other's plans for "
                            "whose words are in them?")],
        helped_by=["priya", "maya"]),
    Entry("maya", 9, "team", {
        "worked": "I asked Grandma who had helped before, and she named the neighbour who "
                  "drives her grandson to practice. With her permission he joined the meeting "
                  "and is now in the plan as a natural support.",
        "drifted": "When the school reported absences I started problem-solving before asking "
                   "the family what they made of it.",
        "try_next": "Open the school topic with a reflection of what I heard, then ask Mom "
                    "what she wants from the school.",
        "principles": ["natural_supports", "community_based", "family_voice"],
        "visibility": "shared",
    }, responses=[
        ("tomas", "Poner al vecino en el plan es apoyo natural de verdad. ¿Cómo pediste "
                  "permiso a la familia para invitarlo?"),
        ("maya", "Grandma called him first; then we met at her kitchen table, on her terms."),
    ], helped_by=["tomas", "jordan", "lucia", "supervisor"]),
    Entry("tomas", 7, "voice", {
        "worked": "La mamá dijo “nadie me había preguntado eso” cuando le pregunté qué quería "
                  "para su familia dentro de un año.",
        "drifted": "Traduje para la abuela y resumí demasiado: perdió sus propias palabras.",
        "try_next": "Pedir un intérprete para la próxima reunión y así escuchar sin traducir.",
        "principles": ["culturally_competent", "family_voice"], "visibility": "shared",
    }, responses=[("lucia", "Me pasó lo mismo. Con intérprete la abuela le habla directo al "
                            "equipo, y se nota.")],
        helped_by=["lucia", "marcus"]),
    Entry("jordan", 5, "team", {
        "worked": "Started with a strengths round: the youth named three strengths himself, "
                  "and one of them became the first step of his goal.",
        "drifted": "I have missed the last two labs and I can feel myself sliding back into "
                   "telling instead of asking.",
        "try_next": "Block the Tuesday lab in my calendar and tell my supervisor if a crisis "
                    "moves it.",
        "principles": ["strengths_based", "persistence"], "visibility": "private",
    }),
    Entry("maya", 3, "lab", {
        "worked": "Recorded meeting: 1.4 reflections per question, and Mom finished two of my "
                  "reflections in her own words.",
        "drifted": "I still rushed the summary at the end.",
        "try_next": "Let Mom give the summary next time.",
        "principles": ["family_voice"], "visibility": "shared",
    }, follow_through=("tried", "Two reflections first, most of the time. R:Q 1.4."),
        helped_by=["marcus", "priya"]),
    Entry("supervisor", 2, "lab", {
        "worked": "The pairs were the heart of the lab today.",
        "drifted": "As host I talked for more than half of the hour.",
        "try_next": "Open with one question and let the pairs report first; I speak last.",
        "principles": ["collaboration"], "visibility": "shared",
    }, responses=[("lucia", "Gracias por decirlo. Nos toca a nosotros también dejar "
                            "espacio.")],
        helped_by=["maya"]),
]  # fmt: skip


def _newcomer(email: str, name: str, language: str, organization: Organization) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"name": name, "language": language}
    )
    if created:
        user.set_unusable_password()
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": Role.FACILITATOR}
    )
    return user


def _past_sessions(community: LearningCommunity, focus: str, now: datetime) -> list:
    return list(
        CircleSession.objects.filter(
            circle__community=community,
            circle__focus=focus,
            ends_at__lt=now,
            status=CircleSession.Status.SCHEDULED,
        )
        .select_related("circle__community")
        .order_by("-starts_at")
    )


def _team_of(user: User, organization: Organization, index: int) -> FamilyTeam | None:
    teams = list(
        FamilyTeam.objects.filter(facilitators=user, program__organization=organization)
        .select_related("program")
        .order_by("name")
    )
    return teams[index % len(teams)] if teams else None


@transaction.atomic
def demo_feed_seed(
    *,
    organization: Organization,
    community: LearningCommunity,
    facilitator: User,
    supervisor: User,
    now: datetime,
) -> None:
    """About ten reflections in `community`'s feed by several staff (three newcomers join
    it, two writing in Spanish), responses, "this helped me", two follow-throughs and
    one shared milestone of `facilitator`. Run after the circles and teams exist."""
    if Reflection.objects.filter(organization=organization, author__email=NEWCOMERS[0][0]).exists():
        return
    newcomers = [_newcomer(e, n, lang, organization) for e, n, lang in NEWCOMERS]
    community.members.add(*newcomers)
    veterans = list(
        community.members.filter(
            memberships__organization=organization,
            memberships__role=Role.FACILITATOR,
            facilitated_teams__isnull=False,
        )
        .exclude(pk=facilitator.pk)
        .distinct()
        .order_by("email")
    )
    cast = {
        "maya": facilitator,
        "supervisor": supervisor,
        "lucia": newcomers[0],
        "marcus": newcomers[1],
        "tomas": newcomers[2],
        # The community's other facilitators with teams (Jordan and Priya in the demo);
        # without them, Maya says their lines.
        "jordan": veterans[0] if veterans else facilitator,
        "priya": veterans[1] if len(veterans) > 1 else facilitator,
    }
    sessions = {
        "lab": _past_sessions(community, "reflections", now),
        "voice": _past_sessions(community, "family_voice", now),
    }
    for circle_sessions in sessions.values():
        if circle_sessions:
            circle_sessions[0].circle.members.add(*newcomers)

    for entry in ENTRIES:
        author = cast[entry.author]
        when = now - timedelta(days=entry.days_ago)
        data = entry.data | {"created_at": when}
        reflection = _reflect(author, entry, data, sessions, organization, community, when)
        for key, text in entry.responses:
            response_create(
                reflection=reflection, author=cast[key], text=text,
                now=when + timedelta(hours=3 + len(text) % 20),
            )  # fmt: skip
        for key in entry.helped_by:
            if cast[key] != author:
                helped_set(reflection=reflection, user=cast[key], helped=True)

    for milestone in ("first_circle", "first_reflection"):
        try:
            milestone_share(user=facilitator, organization=organization, milestone=milestone)
            break
        except MilestoneNotReached:
            continue


def _reflect(
    author: User,
    entry: Entry,
    data: dict,
    sessions: dict[str, list],
    organization: Organization,
    community: LearningCommunity,
    when: datetime,
) -> Reflection:
    """The reflection on a team of the author's, or on the latest session of the circle
    before `when`, or, in a community without either, on the community."""
    if entry.on == "team":
        team = _team_of(author, organization, index=1)
        if team is not None:
            return reflection_create(author=author, team=team, meeting=None, data=data,
                                     follow_through=entry.follow_through)  # fmt: skip
    session = next((s for s in sessions.get(entry.on, []) if s.ends_at <= when), None)
    if session is not None:
        return session_reflection_create(author=author, session=session, data=data,
                                         follow_through=entry.follow_through)  # fmt: skip
    reflection = Reflection.objects.create(
        author=author, organization=organization, community=community, **data
    )
    reflections_index(Reflection.objects.filter(pk=reflection.pk))
    return reflection
