"""The drift scan on 10,000 teams: figures and ratios, no pass/fail.

Run `make bench-drift` (loads `manage.py seed_scale` at 10,000 teams into its own
database, miiwrap_drift_bench, when it is empty, then runs this). seed_scale loads teams,
meetings, check-ins, goals, revisions and reflections; this script adds, once, what the
other drift rules read and seed_scale does not load: a learning circle per program with
26 weekly sessions and recorded attendance, coded practice observations and weekly
reflection prompts for every facilitator, and a small organisation of 10 teams. Then
VACUUM ANALYZE. It starts its own Redis (the broker the reminders are enqueued to) and
SMTP server (aiosmtpd, in this process) on spare ports of 127.0.0.1. Prints:
- teams and active teams, and the rows the rules read;
- wall time (median and p95 over DRIFT_RUNS runs, default 5; p95 by nearest rank, so
  the slowest run when there are fewer than 20) and SQL queries of
  (a) the first scan (opens every signal; remind=False; the signals are deleted before
  each run), (b) the same scan an hour later (updates them; repeated as is) and (c) a
  scan with remind=True a week later (opens what tripped in the week, writes reminders
  and digests and enqueues the emails; the signals are put back as (b) left them and the
  messages deleted before each run); (a) and (b) again with PostgreSQL's JIT compilation
  off for the session; each rule's share of the time and the slowest statements;
- the query counts of a scan of the 10-team organisation, of the 10,000-team one and of
  both, and which statements differ (a scan skips a write it has nothing for);
- the emails of the last reminder scan sent to the SMTP server by `outbox_sweep`:
  count and messages per second;
- the issue's target (a scan of 10,000 teams in at most 2 s, a query count that does
  not grow with the teams) and whether each scan met it.

Timed runs log no SQL (settings.DEBUG is turned off after setup, as in production);
one extra run of each scan counts the queries (CaptureQueriesContext).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
DATABASE = "postgres://postgres@127.0.0.1:5432/miiwrap_drift_bench"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Reminders are enqueued to Celery on commit: to a Redis of this benchmark's own, never
# to the one a worker of another database may be reading.
BROKER_PORT = free_port()
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "miiwrap.settings")
os.environ["DATABASE_URL"] = os.environ.get("DRIFT_DATABASE_URL", DATABASE)
os.environ["REDIS_URL"] = f"redis://127.0.0.1:{BROKER_PORT}/1"
os.environ["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{BROKER_PORT}/0"

import django  # noqa: E402

django.setup()

import logging  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
from collections import Counter as CountOf  # noqa: E402
from collections import defaultdict  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from datetime import time as clock_time  # noqa: E402

import redis  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from communities import outbox  # noqa: E402
from communities.models import (  # noqa: E402
    CircleSession,
    FamilyMember,
    FamilyTeam,
    LearningCircle,
    LearningCommunity,
    Membership,
    Message,
    Organization,
    Program,
    Role,
    SessionResponse,
    TeamMeeting,
    User,
)
from engagement import drift, drift_reminders  # noqa: E402
from engagement.models import (  # noqa: E402
    DriftScan,
    Goal,
    GoalRevision,
    MeetingCheckIn,
    Wording,
)
from reflections.models import (  # noqa: E402
    PracticeObservation,
    PromptDelivery,
    PromptWording,
    Reflection,
)

RUNS = int(os.environ.get("DRIFT_RUNS", "5"))
TARGET_SECONDS = 2.0
SMALL_SLUG = "drift-bench-small"
SNAPSHOT = "bench_drift_snapshot"
SESSIONS = 26  # weekly circle sessions, the last half year
PROMPT_WEEKS = 16  # weekly prompts, a little more than the rule's 90-day window


# --- what seed_scale does not load ----------------------------------------------------------


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock_time(hour)))


def practice_load(org: Organization, today, rng: random.Random) -> None:
    """Per program: a community hosted by its supervisor and a weekly circle of its
    facilitators (26 sessions ended, one cancelled, the next one not held yet) with
    attendance recorded as each facilitator's habit has it; per facilitator, 0 to 6
    coded observations of the last year and a prompt every week for 16 weeks, answered
    or not (and then reminded after 7 days) as their habit has it."""
    links = FamilyTeam.facilitators.through.objects.filter(
        familyteam__program__organization=org
    ).values_list("familyteam__program_id", "user_id")
    staff: dict[int, set[int]] = defaultdict(set)
    for program_id, user_id in links:
        staff[program_id].add(user_id)
    supervisor_of = dict(
        Membership.supervised_programs.through.objects.filter(
            membership__organization=org
        ).values_list("program_id", "membership__user_id")
    )
    habit = {user: rng.random() for users in staff.values() for user in users}
    wording = PromptWording.objects.order_by("pk").first()
    circles, members = [], []
    for program in Program.objects.filter(organization=org).order_by("pk"):
        community = LearningCommunity.objects.create(
            organization=org, name=f"{program.name} practice", host_id=supervisor_of.get(program.pk)
        )
        circle = LearningCircle.objects.create(
            community=community, title=f"{program.name} circle", focus="reflections",
            starts_on=today - timedelta(days=7 * SESSIONS + 2), start_time=clock_time(10),
            time_zone=settings.TIME_ZONE, rrule="FREQ=WEEKLY",
            host_id=supervisor_of.get(program.pk),
        )  # fmt: skip
        circles.append(circle)
        members += [
            LearningCircle.members.through(learningcircle_id=circle.pk, user_id=user)
            for user in sorted(staff[program.pk])
        ]
    LearningCircle.members.through.objects.bulk_create(members)
    sessions = []
    for circle in circles:
        for k in range(-1, SESSIONS + 1):  # k = -1: next week's, not held yet
            start = _at(today - timedelta(days=2 + 7 * k), 10)
            status = CircleSession.Status.CANCELLED if k == 10 else CircleSession.Status.SCHEDULED
            sessions.append(
                CircleSession(circle=circle, occurrence_date=start.date(), starts_at=start,
                              ends_at=start + timedelta(hours=1), status=status)
            )  # fmt: skip
    sessions = CircleSession.objects.bulk_create(sessions, batch_size=2000)
    circle_members = defaultdict(list)
    for link in members:
        circle_members[link.learningcircle_id].append(link.user_id)
    responses = []
    for session in sessions:
        if session.status == CircleSession.Status.CANCELLED or session.ends_at > timezone.now():
            continue
        for user in circle_members[session.circle_id]:
            roll = rng.random()
            if roll < 0.04:
                continue  # not recorded
            absent = 0.03 + 0.5 * habit[user] ** 3
            attendance = "absent" if roll < 0.04 + absent else (
                "excused" if roll < 0.08 + absent else "present")  # fmt: skip
            responses.append(SessionResponse(session=session, user_id=user, attendance=attendance))
    SessionResponse.objects.bulk_create(responses, batch_size=5000)

    observations, deliveries = [], []
    for program_id, users in staff.items():
        coach = supervisor_of.get(program_id)
        for user in sorted(users):
            skill = 0.4 + 1.4 * (1 - habit[user]) + rng.uniform(-0.2, 0.2)
            n = rng.randrange(7)
            for _ in range(n):
                observed = today - timedelta(days=rng.randrange(1, 365))
                questions = rng.randrange(6, 20)
                reflections = max(0, round(questions * skill * rng.uniform(0.7, 1.3)))
                complex_ = round(reflections * rng.uniform(0.15, 0.6))
                observations.append(
                    PracticeObservation(
                        organization=org, facilitator_id=user,
                        coded_by_id=coach if coach and rng.random() < 0.7 else user,
                        observed_on=observed, source="live", method="counts",
                        question=questions, question_open=questions // 2,
                        question_closed=questions - questions // 2,
                        simple_reflection=reflections - complex_, complex_reflection=complex_,
                        completed_at=None if rng.random() < 0.05 else _at(observed, 17),
                    )
                )  # fmt: skip
            for week in range(PROMPT_WEEKS):
                sent = _at(today - timedelta(days=3 + 7 * week), 9)
                answered = rng.random() > 0.1 + 0.6 * habit[user]
                deliveries.append(
                    PromptDelivery(
                        organization=org, recipient_id=user, wording=wording,
                        occurrence=f"weekly:bench:{sent.date().isoformat()}", due_at=sent,
                        sent_at=sent,
                        answered_at=sent + timedelta(hours=rng.randrange(2, 120))
                        if answered else None,
                        reminded_at=sent + timedelta(days=7)
                        if not answered and sent + timedelta(days=7) < timezone.now() else None,
                    )
                )  # fmt: skip
    PracticeObservation.objects.bulk_create(observations, batch_size=2000)
    PromptDelivery.objects.bulk_create(deliveries, batch_size=5000)


def small_org_load(today, rng: random.Random) -> Organization:
    """An organisation of 10 active teams, 2 facilitators and a supervisor, whose data
    trips every rule for some subject (so its scan runs every statement the big one does)."""
    org = Organization.objects.create(name="Drift bench small", slug=SMALL_SLUG)
    program = Program.objects.create(organization=org, name="Small program")

    def person(email: str, role: str) -> User:
        user = User.objects.create_user(f"{email}@small.example", name=email.title())
        Membership.objects.create(user=user, organization=org, role=role)
        return user

    supervisor = person("supervisor", Role.SUPERVISOR)
    Membership.objects.get(user=supervisor).supervised_programs.add(program)
    facilitators = [person(f"facilitator{n}", Role.FACILITATOR) for n in (1, 2)]
    for k in range(10):
        team = FamilyTeam.objects.create(
            program=program, name=f"Small team {k}", opened_on=today - timedelta(days=300)
        )
        facilitator = facilitators[k % 2]
        team.facilitators.add(facilitator)
        family = person(f"family{k}", Role.FAMILY)
        FamilyMember.objects.create(team=team, user=family, relationship="caregiver")
        for n in range(6):
            held = today - timedelta(days=5 * k + 14 * n)
            meeting = TeamMeeting.objects.create(team=team, held_on=held, recorded_by=facilitator)
            low = k < 4
            MeetingCheckIn.objects.create(
                meeting=meeting, family_member=family, agency=2 if low else 4,
                relevance=3 if low else 5, partnership=2 if low else 4,
                submitted_at=_at(held, 20),
            )  # fmt: skip
        goal = Goal.objects.create(
            team=team, statement="Mornings without yelling.", created_by=facilitator,
            statement_wording=Wording.STAFF if k % 3 == 0 else Wording.FAMILY,
        )  # fmt: skip
        GoalRevision.objects.create(
            goal=goal, version=1, author=family if k % 3 else facilitator,
            author_role=Role.FAMILY if k % 3 else Role.FACILITATOR,
            created_at=_at(today - timedelta(days=8 * k), 18),
        )  # fmt: skip
        Reflection.objects.create(
            author=facilitator, organization=org, team=team, worked="x",
            created_at=_at(today - timedelta(days=3 * k), 18),
        )  # fmt: skip
    practice_load(org, today, rng)
    lapse_add(org, facilitators[0])
    return org


def lapse_add(org: Organization, user: User) -> None:
    """`user` missed the last two sessions of their organisation's circle."""
    held = CircleSession.objects.filter(
        circle__community__organization=org, circle__members=user,
        status=CircleSession.Status.SCHEDULED, ends_at__lte=timezone.now(),
    ).order_by("-starts_at")[:2]  # fmt: skip
    for session in held:
        SessionResponse.objects.update_or_create(
            session=session, user=user, defaults={"attendance": "absent"}
        )


def data_load() -> Organization:
    """Add what the other rules read, once; VACUUM ANALYZE. Returns the small org."""
    small = Organization.objects.filter(slug=SMALL_SLUG).first()
    if small is not None:
        return small
    started = time.monotonic()
    today = timezone.localdate()
    rng = random.Random(12)
    with transaction.atomic():
        for org in Organization.objects.order_by("pk"):
            practice_load(org, today, rng)
        small = small_org_load(today, rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Loaded circles, observations, prompts and the small organisation, then "
          f"VACUUM ANALYZE, in {time.monotonic() - started:.1f} s")  # fmt: skip
    return small


# --- state between runs ---------------------------------------------------------------------


def _vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE engagement_driftsignal")
        cursor.execute("VACUUM ANALYZE communities_message")


def signals_reset() -> None:
    """No signal, no message, no scan: as before the first scan ever."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM engagement_driftsignal")
    Message.objects.all().delete()
    DriftScan.objects.all().delete()
    _vacuum()


def snapshot_take() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SNAPSHOT}")
        cursor.execute(f"CREATE TABLE {SNAPSHOT} AS SELECT * FROM engagement_driftsignal")  # noqa: S608


def snapshot_restore() -> None:
    """The signals as the snapshot has them; no message."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM engagement_driftsignal")
        cursor.execute(f"INSERT INTO engagement_driftsignal SELECT * FROM {SNAPSHOT}")  # noqa: S608
    Message.objects.all().delete()
    _vacuum()


# --- timing ---------------------------------------------------------------------------------


class Parts:
    """Wall time of each part of a scan (each rule's evaluation and sync, the reminders,
    the digests, the enqueueing), by wrapping the module functions the scan calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.queries: dict[str, int] = defaultdict(int)
        self.found: dict[str, int] = {}
        self._saved = []

    def _wrap(self, module, name: str, part) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            key = part(*args)
            before = len(connection.queries_log)
            started = time.perf_counter()
            result = original(*args, **kwargs)
            self.seconds[key] += time.perf_counter() - started
            self.queries[key] += len(connection.queries_log) - before
            if name == "evaluate":
                self.found[key.split(" ")[0]] = len(result)
            return result

        self._saved.append((module, name, original))
        setattr(module, name, timed)

    def __enter__(self) -> Parts:
        self._wrap(drift, "evaluate", lambda settings, context: f"{_code(settings)} evaluate")
        self._wrap(drift, "_sync", lambda code, *rest: f"{code} sync")
        self._wrap(drift_reminders, "reminders_send", lambda *a: "reminders_send")
        self._wrap(drift_reminders, "digests_compose", lambda *a: "digests_compose")
        self._wrap(outbox, "_enqueue", lambda *a: "enqueue (Celery)")
        return self

    def __exit__(self, *exc) -> None:
        for module, name, original in reversed(self._saved):
            setattr(module, name, original)


def _code(settings: list) -> str:
    return settings[0].code if settings else "(none)"


class Timed:
    def __init__(self) -> None:
        self.walls: list[float] = []
        self.parts: list[Parts] = []
        self.result = None
        self.queries = 0
        self.statements: list[str] = []
        self.counted = Parts()
        self.slowest: list[tuple[float, str]] = []

    def run(self, **kwargs) -> None:
        with Parts() as parts:
            started = time.perf_counter()
            self.result = drift.scan(**kwargs)
            self.walls.append(time.perf_counter() - started)
        self.parts.append(parts)

    def count(self, **kwargs) -> None:
        reset_queries()
        with Parts() as self.counted, CaptureQueriesContext(connection) as captured:
            self.result = drift.scan(**kwargs)
        self.queries = len(captured)
        self.statements = [q["sql"] for q in captured.captured_queries]
        self.slowest = sorted(
            ((float(q["time"]), " ".join(q["sql"].split())) for q in captured.captured_queries),
            reverse=True,
        )[:5]

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def p95(self) -> float:
        ranked = sorted(self.walls)
        return ranked[math.ceil(0.95 * len(ranked)) - 1]

    def part_median(self, key: str) -> float:
        return statistics.median(p.seconds.get(key, 0.0) for p in self.parts)


def scan_counts(org_ids: list[int] | None, now: datetime) -> tuple[Timed, Timed]:
    """A first scan (counted, then timed once) and a reminding scan a week later."""
    signals_reset()
    first, later = Timed(), Timed()
    first.count(organization_ids=org_ids, now=now, remind=False)
    signals_reset()
    first.run(organization_ids=org_ids, now=now, remind=False)
    later.count(organization_ids=org_ids, now=now + timedelta(days=7), remind=True)
    return first, later


# Statements a scan skips when it has nothing to write: a rule's INSERT of new signals,
# its UPDATE resolving the gone ones and its UPDATE of those still tripped; the coaches'
# SELECT of the reminders (`in_bulk` of no id).
SKIPPABLE = {
    "INSERT engagement_driftsignal",
    "UPDATE engagement_driftsignal",
    "SELECT communities_user",
}


def _head(sql: str) -> str:
    verb = sql.split(None, 1)[0].upper()
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)', sql)
    return f"{verb} {table.group(1)}" if table and verb != "WITH" else verb


def statements_diff(small: Timed, big: Timed) -> tuple[str, bool]:
    """What the bigger scan ran more (+) or less (-) than the smaller one, and whether
    that is only statements skipped when there is nothing to write."""
    more = CountOf(map(_head, big.statements))
    more.subtract(CountOf(map(_head, small.statements)))
    changed = {head: n for head, n in more.items() if n}
    words = ", ".join(f"{head} {n:+d}" for head, n in sorted(changed.items())) or "none"
    bounded = (
        set(changed) <= SKIPPABLE and sum(map(abs, changed.values())) <= 3 * len(drift.RULES) + 1
    )
    return words, bounded


# --- sending ------------------------------------------------------------------------------


class Counter:
    """aiosmtpd handler: the time of each message it accepts."""

    def __init__(self) -> None:
        self.received: list[float] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.received.append(time.monotonic())
        return "250 OK"


def emails_send(port: int, counter: Counter) -> tuple[int, int, float, float, int]:
    """Every pending email made due and swept to the SMTP server: pending, sent, seconds,
    rate as the server saw it, and what the sweeps did not send (cancelled or failed)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    pending = Message.objects.filter(channel=Message.Channel.EMAIL, state=Message.State.PENDING)
    count = pending.count()
    pending.update(next_attempt_at=timezone.now())
    sent, started = 0, time.perf_counter()
    while pending.filter(next_attempt_at__lte=timezone.now()).exists():
        sent += outbox.outbox_sweep(limit=200)
    seconds = time.perf_counter() - started
    times = counter.received
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    unsent = (
        Message.objects.filter(channel=Message.Channel.EMAIL)
        .exclude(state=Message.State.SENT)
        .count()
    )
    return count, sent, seconds, rate, unsent


# --- the benchmark ------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.0f} ms"


def main() -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    teams = FamilyTeam.objects.count()
    if teams < 1000:
        sys.exit("No scale data: run `make bench-drift` (it loads seed_scale first).")
    redis_server = ["redis-server", "--port", str(BROKER_PORT), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--daemonize", "no"]  # fmt: skip
    broker = subprocess.Popen(redis_server, stdout=subprocess.DEVNULL)  # noqa: S603
    counter = Counter()
    smtp = Controller(counter, hostname="127.0.0.1", port=free_port(), server_hostname="localhost")
    smtp.start()
    try:
        for _ in range(50):
            try:
                redis.Redis(port=BROKER_PORT).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        run(counter, smtp.port)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SNAPSHOT}")
        broker.terminate()
        broker.wait()
        smtp.stop()


def run(counter: Counter, smtp_port: int) -> None:
    small = data_load()
    teams = FamilyTeam.objects.count()
    big_ids = list(Organization.objects.exclude(pk=small.pk).values_list("pk", flat=True))
    active = FamilyTeam.objects.active().count()
    small_teams = FamilyTeam.objects.filter(program__organization=small).count()
    print(f"Teams: {teams:,} ({active:,} active) in {Organization.objects.count()} "
          f"organisations; the small one has {small_teams}")  # fmt: skip
    print("Rows the rules read: "
          f"{TeamMeeting.objects.count():,} meetings, {MeetingCheckIn.objects.count():,} "
          f"check-ins, {Reflection.objects.count():,} reflections, {Goal.objects.count():,} "
          f"goals, {GoalRevision.objects.count():,} goal revisions, "
          f"{CircleSession.objects.count():,} circle sessions, "
          f"{SessionResponse.objects.count():,} attendance records, "
          f"{PracticeObservation.objects.count():,} practice observations, "
          f"{PromptDelivery.objects.count():,} prompt deliveries")  # fmt: skip

    # Timed runs as in production: no SQL log (settings.DEBUG is read per query).
    settings.DEBUG = False
    now = _at(timezone.localdate(), 12)
    print(f"{os.cpu_count()} cores; {RUNS} runs each; scans at {now:%Y-%m-%d %H:%M %Z}\n")

    first = Timed()
    signals_reset()
    first.count(now=now, remind=False)
    for _ in range(RUNS):
        signals_reset()
        first.run(now=now, remind=False)
    opened = first.result.opened
    # The same with PostgreSQL's JIT compilation off for the session.
    first_nojit = Timed()
    _jit("off")
    for _ in range(RUNS):
        signals_reset()
        first_nojit.run(now=now, remind=False)
    _jit("on")

    hour = Timed()
    hour.count(now=now + timedelta(hours=1), remind=False)
    for _ in range(RUNS):
        hour.run(now=now + timedelta(hours=1), remind=False)
    hour_nojit = Timed()
    _jit("off")
    for _ in range(RUNS):
        hour_nojit.run(now=now + timedelta(hours=1), remind=False)
    _jit("on")
    snapshot_take()

    small_first, small_later = scan_counts([small.pk], now)
    big_first, big_later = scan_counts(big_ids, now)
    all_first, all_later = scan_counts(None, now)

    week = Timed()
    snapshot_restore()
    week.count(now=now + timedelta(days=7), remind=True)
    for _ in range(RUNS):
        snapshot_restore()
        week.run(now=now + timedelta(days=7), remind=True)
    remind = week.result
    emails = Message.objects.filter(channel=Message.Channel.EMAIL)
    reminder_emails = emails.filter(kind="drift_reminder").count()
    digest_emails = emails.filter(kind="drift_digest").count()
    in_app = Message.objects.filter(channel=Message.Channel.APP).count()

    print(f"{'scan (all ' + format(teams, ',') + ' teams)':46} {'median':>11} {'p95':>11}"
          f" {'queries':>8}  result")  # fmt: skip
    rows = [
        ("(a) first scan, opens (remind=False)", first,
         f"{opened:,} signals opened"),
        ("(b) an hour later, updates (remind=False)", hour,
         f"{hour.result.opened} opened, {hour.result.resolved} resolved"),
        ("(c) a week later, remind=True", week,
         f"{remind.opened:,} opened, {remind.resolved:,} resolved, "
         f"{remind.reminders:,} reminders, {remind.digests} digests"),
    ]  # fmt: skip
    for name, timed, result in rows:
        print(f"{name:46} {_ms(timed.median)} {_ms(timed.p95)} {timed.queries:8}  {result}")
    for name, timed in (("(a) with JIT off", first_nojit), ("(b) with JIT off", hour_nojit)):
        print(f"{name:46} {_ms(timed.median)} {_ms(timed.p95)}")
    print(f"   single runs (s): (a) {_runs(first)}; (b) {_runs(hour)}; (c) {_runs(week)};"
          f" (a) JIT off {_runs(first_nojit)}; (b) JIT off {_runs(hour_nojit)}")  # fmt: skip
    print(f"   (c) wrote {reminder_emails:,} reminder emails, {digest_emails} digest emails"
          f" and {in_app:,} in-app messages; enqueueing them to Celery took"
          f" {_ms(week.part_median('enqueue (Celery)')).strip()} of the scan")  # fmt: skip

    print("\nEach rule's part (median ms over the runs; queries of the counted run):")
    print(f"{'rule':22} {'subjects':>8} {'(a) rule':>9} {'(a) sync':>9} {'(b) rule':>9}"
          f" {'(b) sync':>9} {'(c) rule':>9} {'(c) sync':>9} {'queries a/b/c':>14}")  # fmt: skip
    for code in drift.RULES:
        cells = [
            timed.part_median(f"{code} {what}")
            for timed in (first, hour, week)
            for what in ("evaluate", "sync")
        ]
        queries = "/".join(
            str(timed.counted.queries[f"{code} evaluate"] + timed.counted.queries[f"{code} sync"])
            for timed in (first, hour, week)
        )
        print(f"{code:22} {first.parts[-1].found.get(code, 0):8,}"
              + "".join(f" {c * 1000:9.0f}" for c in cells) + f" {queries:>14}")  # fmt: skip
    for key in ("reminders_send", "digests_compose", "enqueue (Celery)"):
        print(f"{key:22} {'':8} {'':>9} {'':>9} {'':>9} {'':>9}"
              f" {week.part_median(key) * 1000:9.0f} {'':>9}"
              f" {'-/-/' + str(week.counted.queries[key]):>14}")  # fmt: skip
    rest = [statistics.median(w - sum(p.seconds[k] for k in p.seconds
                                      if k != "enqueue (Celery)")
                              for w, p in zip(t.walls, t.parts, strict=True))
            for t in (first, hour, week)]  # fmt: skip
    print(f"{'the rest (settings…)':22} {'':8} {rest[0] * 1000:9.0f} {'':>9}"
          f" {rest[1] * 1000:9.0f} {'':>9} {rest[2] * 1000:9.0f}")  # fmt: skip
    print("\nSlowest statements of the first scan:")
    for seconds, sql in first.slowest:
        print(f"  {seconds * 1000:7.0f} ms  {sql[:150]}")

    print(f"\nQuery counts: {'first scan':>10} {'week later, remind':>19}")
    big_teams = teams - small_teams
    for name, a, c in (
        (f"{small_teams} teams (small organisation)", small_first, small_later),
        (f"{big_teams:,} teams (big organisation)", big_first, big_later),
        (f"{teams:,} teams (both)", all_first, all_later),
    ):
        print(f"  {name:36} {a.queries:10} {c.queries:19}   first scan {_ms(a.walls[0])}")
    print(f"  ratio {big_teams:,} / {small_teams} teams: "
          f"{big_first.queries / small_first.queries:.2f} (first) and "
          f"{big_later.queries / small_later.queries:.2f} (remind)")  # fmt: skip
    first_diff, first_bounded = statements_diff(small_first, big_first)
    later_diff, later_bounded = statements_diff(small_later, big_later)
    print(f"  statements the {big_teams:,}-team scans ran more than the {small_teams}-team"
          f" ones: first {first_diff}; remind {later_diff}")  # fmt: skip

    pending, sent, seconds, rate, unsent = emails_send(smtp_port, counter)
    print(f"\nEmails of the reminder scan: {pending:,} pending; outbox_sweep sent {sent:,} "
          f"to the SMTP server in {seconds:.1f} s ({sent / seconds:.0f}/s; "
          f"{rate:.0f}/s as the server saw them; {len(counter.received):,} received;"
          f" {unsent} not sent)")  # fmt: skip

    print(f"\nTarget: a scan of {teams:,} teams in at most {TARGET_SECONDS:.0f} s, "
          f"with a query count that does not grow with the teams")  # fmt: skip
    for name, timed, _result in rows:
        met = "met" if timed.median <= TARGET_SECONDS else "NOT met"
        print(f"  {name:46} median {timed.median:.2f} s, p95 {timed.p95:.2f} s: {met}")
    bounded = first_bounded and later_bounded
    print(f"  queries at {small_teams} and {big_teams:,} teams: {small_first.queries}/"
          f"{big_first.queries} (first), {small_later.queries}/{big_later.queries} (remind): "
          + ("met (the same statements, less those with nothing to write)" if bounded
             else "NOT met (see the statements above)"))  # fmt: skip


def _jit(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET jit = {value}")


def _runs(timed: Timed) -> str:
    return ", ".join(f"{w:.2f}" for w in timed.walls)


if __name__ == "__main__":
    if "bench" not in settings.DATABASES["default"]["NAME"]:
        raise SystemExit("benchmarks/drift.py deletes signals and messages: give it a *bench* "
                         "database (DRIFT_DATABASE_URL)")  # fmt: skip
    main()
