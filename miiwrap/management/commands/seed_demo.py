"""Demo data: two organisations, twelve Riverbend teams with six months of history, and
a practice community with two learning circles and three months of sessions.

Idempotent: people, programs, teams and circles are found by natural keys; a team's
history and a circle's attendance are generated (deterministically) only when there is
none yet.
"""

from __future__ import annotations

import random
import zoneinfo
from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from communities import circles
from communities.models import (
    CircleSession,
    FamilyMember,
    FamilyTeam,
    Invitation,
    LearningCircle,
    LearningCommunity,
    Membership,
    Message,
    Organization,
    Phase,
    Program,
    Role,
    SessionResponse,
    TeamMeeting,
    User,
)
from engagement.models import (
    EngagementEvent,
    Goal,
    GoalComment,
    GoalRevision,
    GoalStep,
    MeetingCheckIn,
    ProgressCheckIn,
    Wording,
)
from engagement.receivers import circle_attendance_event_record
from engagement.rollups import rollups_deferred
from engagement.services import goal_snapshot, meeting_checkin_open
from reflections.models import Reflection

DEMO_PASSWORD = "miiwrap-demo"
DEMO_LOGINS = [
    ("admin@riverbend.example", "Dana Whitfield", "admin"),
    ("supervisor@riverbend.example", "Sam Okoro", "supervisor"),
    ("facilitator@riverbend.example", "Maya Ortiz", "facilitator"),
    ("family@riverbend.example", "Rosa Rivera", "family"),
    ("outsider@northside.example", "Olive Grant", "facilitator (Northside)"),
    ("coach@riverbend.example", "Lena Brooks", "supervisor at Riverbend, family at Northside"),
]

FAMILY_NAMES = [
    "Rivera", "Nguyen", "Johnson", "Begay", "Hernández", "Walker",
    "Kowalski", "Ali", "Thompson", "García", "Lee", "Martin",
]  # fmt: skip
DEMO_WORKED = [
    "The family opened with what they wanted to work on; I followed.",
    "I reflected before asking, and the plan came from their words.",
    "We named one strength of the family before every hard topic.",
    "Grandma's idea became the first step; the team built on it.",
]

GOALS = [
    ("We want mornings without yelling so Jayden gets to school on time.",
     "Mornings set the tone for the whole day.", "Jayden loves music; Grandma lives close."),
    ("Keep our apartment and have a quiet place for homework.",
     "Moving again would mean a new school.", "We have kept up rent for three months."),
    ("Ana wants to join the soccer team again.",
     "Soccer is where she feels strong.", "Her coach believes in her."),
    ("Find a counsellor who speaks Spanish for Mom.",
     "Talking in my own language helps me heal.", "Our church knows people."),
    ("Eat dinner together three nights a week.",
     "That's when we actually talk.", "Dad is a great cook."),
    ("Get my driver's licence so I can get to work.",
     "Work means money and freedom.", "I passed the written test already."),
]  # fmt: skip
STEPS = [
    ("Make a morning checklist together", "Jayden and Mom"),
    ("Call the school counsellor", "Maya"),
    ("Ask Grandma to help on Tuesdays", "Mom"),
    ("Try the new routine for two weeks", "Everyone"),
]


class Command(BaseCommand):
    help = "Create (or top up) the demo organisations, people and six months of history."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it refuses to run "
                "with DEBUG off. Use --force only on a throwaway demo server."
            )
        # The rollup is built once over everything written (not refreshed per event).
        with transaction.atomic(), rollups_deferred():
            self.seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in with any of these:"))
        for email, _name, role in DEMO_LOGINS:
            self.stdout.write(f"  {email:32} {role:24} password: {DEMO_PASSWORD}")
        self.stdout.write("  (families can also log in by an emailed code)")

    # --- people -------------------------------------------------------------------------

    def person(self, email: str, name: str, *, demo_login: bool, language: str = "en") -> User:
        user, created = User.objects.get_or_create(
            email=email, defaults={"name": name, "language": language}
        )
        if created:
            if demo_login:
                user.set_password(DEMO_PASSWORD)
                user.mfa_waived_for_demo = True
            else:
                user.set_unusable_password()
            user.save()
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def member(self, user: User, org: Organization, role: str) -> Membership:
        membership, _ = Membership.objects.get_or_create(
            user=user, organization=org, defaults={"role": role}
        )
        return membership

    # --- organisations ------------------------------------------------------------------

    def seed(self) -> None:
        rng = random.Random(20261121)
        riverbend, _ = Organization.objects.get_or_create(
            slug="riverbend", defaults={"name": "Riverbend Family Services"}
        )
        northside, _ = Organization.objects.get_or_create(
            slug="northside", defaults={"name": "Northside Youth Partners"}
        )
        wrap, _ = Program.objects.get_or_create(organization=riverbend, name="Intensive Wraparound")
        youth, _ = Program.objects.get_or_create(
            organization=riverbend, name="Youth & Family Partnership"
        )
        north_program, _ = Program.objects.get_or_create(
            organization=northside, name="Northside Wraparound"
        )

        admin = self.person("admin@riverbend.example", "Dana Whitfield", demo_login=True)
        supervisor = self.person("supervisor@riverbend.example", "Sam Okoro", demo_login=True)
        maya = self.person("facilitator@riverbend.example", "Maya Ortiz", demo_login=True)
        family = self.person(
            "family@riverbend.example", "Rosa Rivera", demo_login=True, language="es"
        )
        outsider = self.person("outsider@northside.example", "Olive Grant", demo_login=True)
        others = [
            self.person("jordan.lee@riverbend.example", "Jordan Lee", demo_login=False),
            self.person("priya.shah@riverbend.example", "Priya Shah", demo_login=False),
        ]

        self.member(admin, riverbend, Role.ADMIN)
        self.member(supervisor, riverbend, Role.SUPERVISOR).supervised_programs.add(wrap, youth)
        for facilitator in [maya, *others]:
            self.member(facilitator, riverbend, Role.FACILITATOR)
        self.member(outsider, northside, Role.FACILITATOR)

        community, _ = LearningCommunity.objects.get_or_create(
            organization=riverbend,
            name="Riverbend MiiWrap Practice Community",
            defaults={"description": "Facilitators and coaches learning MiiWrap together."},
        )
        community.members.add(maya, supervisor, *others)
        if community.host is None:
            community.host = supervisor
            community.save(update_fields=["host"])
        self.circles_demo(community, admin, supervisor, maya, others)

        phases = list(Phase.values)
        for index, family_name in enumerate(FAMILY_NAMES):
            # Maya facilitates five teams, the first (Rivera) holds the demo family login.
            facilitator = maya if index < 5 else others[index % 2]
            team, _ = FamilyTeam.objects.get_or_create(
                program=wrap if index % 2 == 0 else youth,
                name=f"{family_name} family",
                defaults={
                    "phase": phases[index % len(phases)],
                    "opened_on": timezone.localdate() - timedelta(days=200 - index * 3),
                },
            )
            team.facilitators.add(facilitator)
            if team.next_meeting_at is None or team.next_meeting_at < timezone.now():
                team.next_meeting_at = datetime.combine(
                    timezone.localdate() + timedelta(days=3 + index % 7),
                    time(16, 30),
                    tzinfo=timezone.get_current_timezone(),
                )
                team.save(update_fields=["next_meeting_at"])
            if index == 0:
                caregiver = family
            else:
                slug = family_name.lower().replace("á", "a").replace("í", "i").replace("é", "e")
                caregiver = self.person(
                    f"{slug}.caregiver@riverbend.example",
                    f"{['Ana', 'Luis', 'Grace', 'Tom', 'Mei', 'Omar'][index % 6]} {family_name}",
                    demo_login=False,
                )
            self.member(caregiver, riverbend, Role.FAMILY)
            FamilyMember.objects.get_or_create(
                team=team, user=caregiver, defaults={"relationship": "caregiver"}
            )
            self.history(team, facilitator, caregiver, rng, index)

        north_team, _ = FamilyTeam.objects.get_or_create(
            program=north_program, name="Okafor family", defaults={"phase": Phase.PLANNING}
        )
        north_team.facilitators.add(outsider)
        north_family = self.person(
            "okafor.caregiver@northside.example", "Ada Okafor", demo_login=False
        )
        self.member(north_family, northside, Role.FAMILY)
        FamilyMember.objects.get_or_create(team=north_team, user=north_family)
        self.history(north_team, outsider, north_family, rng, 3)

        self.messages_demo(riverbend, admin)
        self.prompts_demo(riverbend, admin, maya, community, others[0])
        # The community feed: reflections in English and Spanish, responses, "this
        # helped me", follow-throughs and a shared milestone.
        from miiwrap.demo_feed import demo_feed_seed

        demo_feed_seed(organization=riverbend, community=community, facilitator=maya,
                       supervisor=supervisor, now=timezone.now())  # fmt: skip

        # One person, two organisations, one role in each: a coach at Riverbend whose own
        # family is served by Northside. She switches organisation in the header.
        lena = self.person("coach@riverbend.example", "Lena Brooks", demo_login=True)
        self.member(lena, riverbend, Role.SUPERVISOR).supervised_programs.add(youth)
        self.member(lena, northside, Role.FAMILY)
        brooks, _ = FamilyTeam.objects.get_or_create(
            program=north_program, name="Brooks family", defaults={"phase": Phase.ENGAGEMENT}
        )
        brooks.facilitators.add(outsider)
        FamilyMember.objects.get_or_create(team=brooks, user=lena)
        self.history(brooks, outsider, lena, rng, 1)

        # Observed practice: nine months of Maya's coaching by Sam (one transcript coded
        # again by Lena), Jordan's and Priya's, and a live tally open today.
        from miiwrap.demo_practice import demo_practice_seed

        demo_practice_seed(organization=riverbend, supervisor=supervisor, coach=lena,
                           facilitators=[maya, *others], now=timezone.now())  # fmt: skip

        # Fidelity drift: the scan opens a signal of every rule on this history (teams
        # without reflections or meetings, goals worded by staff, low check-ins, Jordan's
        # missed circle sessions, his falling practice and unanswered prompt), reminds
        # each facilitator once and writes Sam's digest.
        from engagement import drift

        drift.scan(organization_ids=[riverbend.pk, northside.pk])

    def messages_demo(self, riverbend: Organization, admin: User) -> None:
        """A pending invitation, and one whose email failed for good, so the Setup and
        Messages pages have something to show (and retry)."""
        now = timezone.now()
        for email, failed in (("new.facilitator@riverbend.example", False),
                              ("old.address@riverbend.example", True)):  # fmt: skip
            invitation, created = Invitation.objects.get_or_create(
                organization=riverbend, email=email, accepted_at__isnull=True,
                defaults={"role": Role.FACILITATOR, "invited_by": admin,
                          "key": f"demo-{email}", "expires_at": now + timedelta(days=5)},
            )  # fmt: skip
            if created and failed:
                Message.objects.create(
                    key=f"email:invitation:invitation:{invitation.pk}:{email}:demo",
                    channel=Message.Channel.EMAIL, kind=Message.Kind.INVITATION,
                    to_email=email, organization=riverbend,
                    subject_key=f"invitation:{invitation.pk}",
                    params={"invitation": invitation.pk, "organization": riverbend.name},
                    state=Message.State.FAILED, attempts=6,
                    last_error="SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable",
                    created_at=now - timedelta(hours=3),
                )  # fmt: skip

    # --- learning circles -------------------------------------------------------------------

    def prompts_demo(
        self,
        riverbend: Organization,
        admin: User,
        maya: User,
        community: LearningCommunity,
        jordan: User,
    ) -> None:
        """Riverbend's prompt schedules (after each team meeting, after each circle
        session, every Monday at 09:00 in each person's time zone), and Monday's prompt
        waiting for Maya: in the app, and in the outbox as an email with the answer link."""
        from reflections import prompts
        from reflections.models import Prompt, PromptDelivery, PromptSchedule

        prompts.prompt_library_load()  # (the data migration's, should a test have emptied it)
        if PromptSchedule.objects.filter(organization=riverbend).exists():
            return
        schedules = [
            PromptSchedule(trigger=PromptSchedule.Trigger.AFTER_MEETING, delay_hours=2),
            PromptSchedule(trigger=PromptSchedule.Trigger.AFTER_SESSION, community=community),
            PromptSchedule(trigger=PromptSchedule.Trigger.WEEKLY, weekday=0, hour=9,
                           community=community),
        ]  # fmt: skip
        for schedule in schedules:
            schedule.organization = riverbend
            schedule.created_at = timezone.now() - timedelta(days=60)
            prompts.schedule_save(schedule=schedule, by=admin)
        weekly = schedules[-1]
        now = timezone.now()
        slot = None
        for days_back in range(0, 21):  # the latest Monday 09:00 in Maya's time zone
            slot = prompts.weekly_slot(weekly, maya.time_zone, now - timedelta(days=days_back))
            if slot is not None:
                break
        wording = prompts.current_wordings(
            p.pk for p in Prompt.objects.filter(key="mi-reflect-more")
        ).popitem()[1]
        PromptDelivery.objects.get_or_create(
            recipient=maya, occurrence=f"weekly:{weekly.pk}:{slot.date().isoformat()}",
            defaults={"schedule": weekly, "organization": riverbend, "wording": wording,
                      "due_at": slot, "community": community},
        )  # fmt: skip
        prompts.prompts_send_due(now=now)
        # Jordan has left a prompt unanswered for nine days (a drift signal of its own).
        earlier = slot - timedelta(days=7)
        PromptDelivery.objects.get_or_create(
            recipient=jordan, occurrence=f"weekly:{weekly.pk}:{earlier.date().isoformat()}",
            defaults={"schedule": weekly, "organization": riverbend, "wording": wording,
                      "due_at": now - timedelta(days=9), "sent_at": now - timedelta(days=9),
                      "reminded_at": now - timedelta(days=2), "community": community},
        )  # fmt: skip

    def circles_demo(
        self,
        community: LearningCommunity,
        admin: User,
        supervisor: User,
        maya: User,
        others: list[User],
    ) -> None:
        """A weekly skills lab and a monthly family-voice circle, both begun about three
        months ago: past sessions with attendance (one lab cancelled; Jordan missed the
        last two labs, which a circle-lapse rule will notice), RSVPs for the next ones."""
        zone = zoneinfo.ZoneInfo("America/Chicago")
        begun = timezone.now() - timedelta(weeks=13)
        local = begun.astimezone(zone).date()
        tuesday = local + timedelta(days=(1 - local.weekday()) % 7)
        staff = [maya, *others, supervisor]
        lab = self.circle(
            community, admin, staff, begun,
            title="MI skills lab", focus="reflections", starts_on=tuesday,
            start_time=time(10), duration_minutes=60, rrule="FREQ=WEEKLY;INTERVAL=1;COUNT=52",
            location="https://meet.riverbend.example/mi-lab",
            agenda="Ten minutes of practice in pairs: complex reflections on a real moment "
                   "from this week's team meetings. Then one recording, coded together.",
        )  # fmt: skip
        family_voice = self.circle(
            community, admin, staff, begun,
            title="Family voice circle", focus="family_voice",
            starts_on=self.second_thursday(local), start_time=time(15), duration_minutes=90,
            rrule="FREQ=MONTHLY;BYDAY=+2TH;COUNT=12", location="Riverbend office, room 2",
            agenda="A family partner joins us. Whose words are in our plans, and what did we "
                   "invite families into this month?",
        )  # fmt: skip
        self.attendance_history(lab, lapsed=others[0], cancel_nth=4)
        self.attendance_history(family_voice)
        upcoming = {
            lab: {maya: "going", supervisor: "going", others[1]: "not_going"},
            family_voice: {maya: "going", others[0]: "going"},
        }
        for circle, answers in upcoming.items():
            session = circle.sessions.filter(starts_at__gt=timezone.now()).first()
            for user, rsvp in answers.items():
                SessionResponse.objects.get_or_create(
                    session=session, user=user, defaults={"rsvp": rsvp}
                )

    @staticmethod
    def second_thursday(day: date) -> date:
        """The second Thursday of `day`'s month, or of the next month once it is past."""
        first = day.replace(day=1)
        second = first + timedelta(days=(3 - first.weekday()) % 7 + 7)
        if second >= day:
            return second
        following = (first + timedelta(days=32)).replace(day=1)
        return following + timedelta(days=(3 - following.weekday()) % 7 + 7)

    def circle(
        self, community: LearningCommunity, admin: User, members: list[User], begun: datetime,
        **data,
    ) -> LearningCircle:  # fmt: skip
        circle = community.circles.filter(title=data["title"]).first()
        if circle is None:
            data.update(time_zone="America/Chicago", host=community.host)
            circle = circles.circle_schedule(
                community=community, by=admin, data=data, members=members, now=begun
            )
            # The rows a daily run would have made since, week by week.
            step = begun
            while step < timezone.now():
                step += circles.HORIZON - timedelta(weeks=1)
                circles.sessions_materialise(circle=circle, now=min(step, timezone.now()))
        circles.sessions_materialise(circle=circle)
        return circle

    def attendance_history(
        self,
        circle: LearningCircle,
        *,
        lapsed: User | None = None,
        cancel_nth: int | None = None,
    ) -> None:
        now = timezone.now()
        past = list(circle.sessions.filter(ends_at__lt=now).order_by("starts_at"))
        if not past or SessionResponse.objects.filter(session__in=past).exists():
            return
        rng = random.Random(circle.title)
        members = list(circle.members.order_by("email"))
        # Reflection prompts react to sessions that end from now on, not to this history.
        CircleSession.objects.filter(pk__in=[s.pk for s in past]).update(
            ended_signal_at=F("ends_at")
        )
        for number, session in enumerate(past):
            if number == cancel_nth:
                CircleSession.objects.filter(pk=session.pk).update(
                    status=CircleSession.Status.CANCELLED, moved=True, sequence=1
                )
                continue
            for member in members:
                roll = rng.random()
                if member == lapsed and number >= len(past) - 2:
                    attendance, rsvp = SessionResponse.Attendance.ABSENT, ""
                elif roll < 0.8:
                    attendance, rsvp = SessionResponse.Attendance.PRESENT, "going"
                elif roll < 0.9:
                    attendance, rsvp = SessionResponse.Attendance.EXCUSED, "not_going"
                else:
                    attendance, rsvp = SessionResponse.Attendance.ABSENT, "going"
                SessionResponse.objects.create(
                    session=session, user=member, rsvp=rsvp, attendance=attendance,
                    updated_at=session.ends_at,
                )  # fmt: skip
                circle_attendance_event_record(session=session, user=member, attendance=attendance)

    # --- six months of history ------------------------------------------------------------

    def history(
        self, team: FamilyTeam, facilitator: User, caregiver: User, rng: random.Random, index: int
    ) -> None:
        if team.meetings.exists() or team.goals.exists():
            return
        today = timezone.localdate()
        tz = timezone.get_current_timezone()

        def at(day: date, hour: int = 17) -> datetime:
            return datetime.combine(day, time(hour, rng.randint(0, 59)), tzinfo=tz)

        def event(kind: str, actor: User | None, role: str, when: datetime, value=None) -> None:
            EngagementEvent.objects.create(
                team=team, actor=actor, actor_role=role, kind=kind, occurred_at=when, value=value
            )

        # Goals: the family words most of them; some teams drift to staff wording.
        staff_worded = index in (4, 9)
        goals = []
        for number in range(2 + index % 2):
            statement, why, strengths = GOALS[(index + number) % len(GOALS)]
            author, role = (
                (facilitator, Role.FACILITATOR) if staff_worded else (caregiver, Role.FAMILY)
            )
            created = at(today - timedelta(days=170 - number * 20))
            status = Goal.Status.ACHIEVED if number == 2 else Goal.Status.ACTIVE
            goal = Goal.objects.create(
                team=team,
                statement=statement,
                why_it_matters=why,
                strengths=strengths,
                status=status,
                statement_wording=Wording.STAFF if staff_worded else Wording.FAMILY,
                why_it_matters_wording=Wording.STAFF if staff_worded else Wording.FAMILY,
                strengths_wording=Wording.STAFF if staff_worded else Wording.FAMILY,
                family_has_written=not staff_worded,
                created_by=author,
                created_at=created,
                updated_at=created,
            )
            for position, (what, who) in enumerate(STEPS[: 2 + number]):
                GoalStep.objects.create(
                    goal=goal,
                    what=what,
                    who=who,
                    position=position,
                    due_on=today + timedelta(days=14 * (position - 1)),
                    done=position == 0,
                    done_at=created + timedelta(days=10) if position == 0 else None,
                )
            GoalRevision.objects.create(
                goal=goal,
                version=1,
                author=author,
                author_role=role,
                created_at=created,
                changed_fields=["statement", "why_it_matters", "strengths", "status"],
                snapshot=goal_snapshot(goal),
            )
            event(EngagementEvent.Kind.GOAL_CREATED, author, role, created)
            goals.append(goal)
            for week in range(0, 24, 6):
                score = min(10, 3 + week // 4 + rng.randint(0, 2))
                when = created + timedelta(weeks=week)
                if when.date() >= today:
                    break
                ProgressCheckIn.objects.create(
                    goal=goal, by=caregiver, score=score, created_at=when
                )
                event(EngagementEvent.Kind.PROGRESS_CHECKIN, caregiver, Role.FAMILY, when, score)

        # Meetings about every two to three weeks; check-ins after most of them.
        day = today - timedelta(days=180)
        low_partnership = index in (4, 7)
        while day < today:
            present = rng.random() > 0.15
            meeting = TeamMeeting.objects.create(
                team=team,
                held_on=day,
                duration_minutes=rng.choice([45, 60, 75, 90]),
                family_present=present,
                agenda_set_by=rng.choice(list(TeamMeeting.AgendaSetBy.values)),
                recorded_by=facilitator,
                created_at=at(day, 19),
            )
            meeting.attendees.add(facilitator, *([caregiver] if present else []))
            event(
                EngagementEvent.Kind.MEETING_HELD
                if present
                else EngagementEvent.Kind.MEETING_WITHOUT_FAMILY,
                facilitator,
                Role.FACILITATOR,
                at(day, 19),
            )
            if present and rng.random() > 0.2:
                base = 2 if low_partnership else 4
                ratings = {
                    name: max(1, min(5, base + rng.randint(-1, 1)))
                    for name in ("agency", "relevance", "partnership")
                }
                MeetingCheckIn.objects.create(
                    meeting=meeting,
                    family_member=caregiver,
                    word=rng.choice(["", "", "helpful", "long meeting", "we felt heard"]),
                    created_at=at(day, 19),
                    submitted_at=at(day, 21),
                    **ratings,
                )
                event(
                    EngagementEvent.Kind.MEETING_CHECKIN,
                    caregiver,
                    Role.FAMILY,
                    at(day, 21),
                    sum(ratings.values()) / 3,
                )
            # After most meetings the facilitator reflects (less so on drifting teams),
            # and the family rewords a goal now and then (rarely where staff hold the pen).
            if rng.random() < (0.25 if index in (5, 6) else 0.75):
                when = at(day, 20)
                Reflection.objects.create(
                    author=facilitator, organization=team.program.organization, team=team,
                    meeting=meeting, worked=rng.choice(DEMO_WORKED), created_at=when,
                )  # fmt: skip
                event(EngagementEvent.Kind.REFLECTION_LOGGED, facilitator, Role.FACILITATOR, when)
            if goals and rng.random() < (0.15 if staff_worded else 0.5):
                goal = rng.choice(goals)
                family_edit = not staff_worded and rng.random() < 0.7
                author, role = (caregiver, Role.FAMILY) if family_edit else (
                    facilitator, Role.FACILITATOR
                )  # fmt: skip
                when = at(day, 21)
                goal.version += 1
                goal.updated_at = when
                goal.save(update_fields=["version", "updated_at"])
                GoalRevision.objects.create(
                    goal=goal, version=goal.version, author=author, author_role=role,
                    created_at=when, changed_fields=["why_it_matters"],
                    snapshot=goal_snapshot(goal),
                )  # fmt: skip
                event(EngagementEvent.Kind.GOAL_EDITED, author, role, when)
            last_meeting = meeting
            day += timedelta(days=rng.choice([14, 14, 21]) + (30 if index == 6 else 0))

        if index == 0:
            self.rivera_extras(team, facilitator, caregiver, last_meeting)

    def rivera_extras(
        self, team: FamilyTeam, facilitator: User, caregiver: User, meeting: TeamMeeting
    ) -> None:
        """The demo family's team: a conversation on a goal, and a check-in waiting."""
        goal = team.goals.order_by("created_at").first()
        now = timezone.now()
        GoalComment.objects.create(
            goal=goal, author=facilitator, author_role=Role.FACILITATOR,
            body="The checklist on the fridge looks great. How did this week go?",
            created_at=now - timedelta(days=3),
        )  # fmt: skip
        GoalComment.objects.create(
            goal=goal, author=caregiver, author_role=Role.FAMILY,
            body="Mejor. Jayden picked the music for the mornings.",
            created_at=now - timedelta(days=2),
        )  # fmt: skip
        meeting.checkins.filter(family_member=caregiver).delete()
        meeting.family_present = True
        meeting.save(update_fields=["family_present"])
        meeting.attendees.add(caregiver)
        meeting_checkin_open(meeting=meeting, member=caregiver)
        # Maya's last reflection on the Rivera team: its "try next" comes back to her at
        # her next reflection (the follow-through).
        from reflections.services import reflection_create

        earlier_meeting = team.meetings.exclude(pk=meeting.pk).order_by("-held_on").first()
        reflection_create(
            author=facilitator, team=team, meeting=earlier_meeting,
            data={"worked": "Rosa named the goal in her own words and Jayden chose the music.",
                  "drifted": "I filled the silences with advice instead of reflecting.",
                  "try_next": "Open the next meeting by asking Rosa what she wants to work on.",
                  "principles": ["family_voice", "strengths_based"], "visibility": "private"},
        )  # fmt: skip
        # What the facilitator is told about the family's own words and ratings.
        earlier = team.meetings.exclude(pk=meeting.pk).filter(checkins__isnull=False).first()
        if earlier is not None:
            answer = earlier.checkins.first()
            Message.objects.create(
                key=f"app:checkin_answered:demo-{earlier.pk}:{facilitator.pk}:",
                organization=team.program.organization,
                recipient=facilitator, team=team, kind=Message.Kind.CHECKIN_ANSWERED,
                params={"name": caregiver.get_short_name(), "date": earlier.held_on.isoformat(),
                        "agency": answer.agency, "relevance": answer.relevance,
                        "partnership": answer.partnership, "word": answer.word},
                url=f"/teams/{team.pk}/#meeting-{earlier.pk}", created_at=now - timedelta(days=1),
            )  # fmt: skip
        Message.objects.create(
            key=f"app:family_goal_edited:demo-{goal.pk}:{facilitator.pk}:",
            organization=team.program.organization,
            recipient=facilitator, team=team, kind=Message.Kind.FAMILY_GOAL_EDITED,
            params={"name": caregiver.get_short_name(), "goal": goal.statement[:80]},
            url=f"/goals/{goal.pk}/history/", created_at=now - timedelta(hours=5),
        )  # fmt: skip
