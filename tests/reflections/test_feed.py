"""The community feed: who reads which reflection (the one rule), search that never
shows what the searcher may not read, responses, "this helped me", celebrations, and
pinned query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.access import Person, _memberships_of
from communities.models import AuditEntry, LearningCommunity, Message, Role
from reflections.access import reflections_visible_to
from reflections.models import HelpedReaction, MilestoneShare, Reflection, ReflectionResponse
from reflections.search import reflections_index, reflections_matching
from reflections.services import reflection_responded
from tests import factories


def _reflection(author, org, **fields) -> Reflection:
    fields.setdefault("worked", "Some words.")
    fields.setdefault("visibility", "shared")
    reflection = Reflection.objects.create(author=author, organization=org, **fields)
    reflections_index(Reflection.objects.filter(pk=reflection.pk))
    return reflection


def _visible(user, org) -> set[int]:
    person = Person(user=user, memberships=_memberships_of(user), current_organization_id=org.pk)
    return set(reflections_visible_to(person, org.pk).values_list("pk", flat=True))


@pytest.fixture
def lc(world):
    """The facilitator's community: the facilitator, a peer, the supervisor (host)."""
    community = LearningCommunity.objects.create(
        organization=world.org, name="Practice community", host=world.supervisor
    )
    community.members.add(world.facilitator, world.other_facilitator, world.supervisor)
    return community


@pytest.fixture
def stranger(world):
    """A facilitator of the same organisation in another community only."""
    user = factories.make_user("stranger@rb.test", name="Sara Stranger")
    factories.make_member(user, world.org, Role.FACILITATOR)
    other = LearningCommunity.objects.create(organization=world.org, name="Other community")
    other.members.add(user)
    user.community = other
    return user


@pytest.fixture
def outsider_lc(world):
    community = LearningCommunity.objects.create(organization=world.outsider_org, name="North LC")
    community.members.add(world.outsider)
    return community


# --- who reads what --------------------------------------------------------------------


def test_it_shows_a_private_team_reflection_to_its_author_and_their_supervisors_only(
    world, lc, stranger
):
    private = _reflection(world.facilitator, world.org, team=world.team, visibility="private")
    for user in (world.facilitator, world.supervisor, world.dual):
        assert private.pk in _visible(user, world.org), user
    for user in (world.other_facilitator, world.admin, world.family, stranger):
        assert private.pk not in _visible(user, world.org), user
    assert private.pk not in _visible(world.outsider, world.org)
    assert _visible(world.dual, world.outsider_org) == set()  # family there


def test_it_shows_a_private_reflection_on_no_team_to_the_authors_supervisors(world, lc):
    """A circle-session or prompt reflection has no team: the supervisors of the programs
    where its author facilitates a team read it; a peer does not."""
    session_reflection = _reflection(
        world.facilitator, world.org, community=lc, visibility="private"
    )
    newcomer = factories.make_user("new@rb.test", name="Nia Newcomer")  # facilitates no team
    factories.make_member(newcomer, world.org, Role.FACILITATOR)
    lc.members.add(newcomer)
    unsupervised = _reflection(newcomer, world.org, community=lc, visibility="private")
    assert session_reflection.pk in _visible(world.supervisor, world.org)
    assert session_reflection.pk in _visible(world.dual, world.org)
    assert session_reflection.pk not in _visible(world.other_facilitator, world.org)
    assert session_reflection.pk not in _visible(world.admin, world.org)
    assert unsupervised.pk not in _visible(world.supervisor, world.org)
    assert unsupervised.pk in _visible(newcomer, world.org)


def test_it_shows_a_shared_reflection_to_the_authors_communities_and_no_one_else(
    world, lc, stranger
):
    shared = _reflection(world.facilitator, world.org, team=world.team)
    for user in (world.facilitator, world.other_facilitator, world.supervisor):
        assert shared.pk in _visible(user, world.org), user
    for user in (stranger, world.admin, world.family):
        assert shared.pk not in _visible(user, world.org), user
    assert shared.pk not in _visible(world.outsider, world.outsider_org)
    # Shared in the stranger's community (a circle there): its people read it too.
    in_other = _reflection(world.facilitator, world.org, community=stranger.community)
    assert in_other.pk in _visible(stranger, world.org)
    assert in_other.pk in _visible(world.other_facilitator, world.org)  # shares lc with author


def test_it_answers_404_for_a_reflection_one_may_not_read(world, client_for, lc, stranger):
    private = _reflection(world.facilitator, world.org, team=world.team, visibility="private")
    url = reverse("reflection_detail", args=[private.pk])
    for user in (world.other_facilitator, stranger, world.family, world.outsider, world.admin):
        assert client_for(user).get(url).status_code == 404, user
    assert client_for(world.supervisor).get(url).status_code == 200


def test_it_keeps_visibility_one_query(world, lc, django_assert_num_queries):
    person = Person(
        user=world.supervisor,
        memberships=_memberships_of(world.supervisor),
        current_organization_id=world.org.pk,
    )
    for n in range(3):
        _reflection(world.facilitator, world.org, worked=f"w{n}")
    with django_assert_num_queries(2):  # the supervisor's programs, then the reflections
        list(reflections_visible_to(person, world.org.pk))


# --- the feed page -------------------------------------------------------------------------


def _feed(client, community, **params):
    return client.get(reverse("community_feed", args=[community.pk]), params)


def test_it_lets_the_community_its_host_admins_and_supervisors_open_the_feed(
    world, client_for, lc, stranger, outsider_lc
):
    expected = {
        world.facilitator: 200, world.other_facilitator: 200, world.supervisor: 200,
        world.admin: 200, world.dual: 200, stranger: 404, world.family: 404,
        world.outsider: 404, None: 302,
    }  # fmt: skip
    for user, status in expected.items():
        assert _feed(client_for(user), lc).status_code == status, user
    assert _feed(client_for(world.outsider), outsider_lc).status_code == 200
    assert _feed(client_for(world.facilitator), outsider_lc).status_code == 404


def test_it_shows_what_the_viewer_may_read_with_the_team_only_to_those_who_see_it(
    world, client_for, lc, stranger
):
    _reflection(world.facilitator, world.org, team=world.team, worked="Shared on the team.",
                principles=["family_voice"])  # fmt: skip
    _reflection(world.facilitator, world.org, team=world.team, visibility="private",
                worked="Private on the team.")  # fmt: skip
    _reflection(stranger, world.org, community=stranger.community, worked="Elsewhere.")
    mine = _feed(client_for(world.facilitator), lc).content.decode()
    assert "Shared on the team." in mine and "Private on the team." in mine
    assert "After a meeting of the Rivera team" in mine and "Family voice" in mine
    peer = _feed(client_for(world.other_facilitator), lc).content.decode()
    assert "Shared on the team." in peer and "Private on the team." not in peer
    assert "Rivera" not in peer and "After a meeting of a family team" in peer
    assert "Elsewhere." not in peer
    supervisor = _feed(client_for(world.supervisor), lc).content.decode()
    assert "Private on the team." in supervisor and "private: author and supervisors" in supervisor
    admin = _feed(client_for(world.admin), lc).content.decode()
    assert "Shared on the team." not in admin  # admins share no community with the author


def test_it_records_that_family_team_reflections_were_read(world, client_for, lc):
    _reflection(world.facilitator, world.org, team=world.team)
    _feed(client_for(world.other_facilitator), lc)
    entry = AuditEntry.objects.get(subject=f"community feed {lc.pk}")
    assert entry.team == world.team and entry.actor == world.other_facilitator


def test_it_pages_the_feed_20_at_a_time_with_plain_links_and_htmx(world, client_for, lc):
    now = timezone.now()
    for n in range(25):
        _reflection(world.facilitator, world.org, worked=f"Entry number {n:02d}.",
                    created_at=now - timedelta(hours=n))  # fmt: skip
    client = client_for(world.other_facilitator)
    first = _feed(client, lc).content.decode()
    assert "Entry number 00." in first and "Entry number 19." in first
    assert "Entry number 20." not in first and "?page=2" in first
    second = _feed(client, lc, page=2).content.decode()
    assert "Entry number 20." in second and "Entry number 24." in second
    assert "Newer reflections" in second and "Older reflections" not in second
    fragment = client.get(
        reverse("community_feed", args=[lc.pk]), {"page": 2}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Entry number 20." in fragment and "<html" not in fragment
    assert _feed(client, lc, page="two").status_code == 400


# --- search ----------------------------------------------------------------------------


@pytest.fixture
def planted(world, lc, stranger, outsider_lc):
    """Matching words everywhere; the peer (other_facilitator) may read only two."""
    return {
        "visible_es": _reflection(world.facilitator, world.org, community=lc,
                                  worked="Escuchamos a la familia sin prisa."),
        "visible_en": _reflection(world.facilitator, world.org, team=world.team,
                                  worked="The family chose the agenda."),
        "private": _reflection(world.facilitator, world.org, team=world.team, visibility="private",
                               worked="Escuchamos a la familia privada, family secret."),
        "other_org": _reflection(world.outsider, world.outsider_org, community=outsider_lc,
                                 worked="Escuchamos a otra familia, another family."),
        "other_community": _reflection(stranger, world.org, community=stranger.community,
                                       worked="Escuchamos a la familia de otra comunidad."),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("words", "found"),
    [
        ("familias", None),  # Spanish plural: finds "familia" (and "family", stemmed alike)
        ("families", None),
        ("escuchar", {"visible_es"}),  # Spanish stems: "escuchamos"
        ("agenda -familia", {"visible_en"}),
    ],
)
def test_it_searches_only_what_the_searcher_may_read(world, client_for, lc, planted, words, found):
    found = found or {"visible_es", "visible_en"}
    page = _feed(client_for(world.other_facilitator), lc, q=words).content.decode()
    for key, reflection in planted.items():
        assert (reflection.worked in page) == (key in found), key
    person = Person(
        user=world.other_facilitator,
        memberships=_memberships_of(world.other_facilitator),
        current_organization_id=world.org.pk,
    )
    matches = set(reflections_matching(reflections_visible_to(person, world.org.pk), words))
    assert matches == {planted[key] for key in found}


def test_it_searches_in_spanish_and_english_for_the_author_too(world, client_for, lc, planted):
    page = _feed(client_for(world.facilitator), lc, q="familias").content.decode()
    assert planted["private"].worked in page and planted["visible_es"].worked in page
    assert planted["other_org"].worked not in page
    assert planted["other_community"].worked not in page


def test_it_refuses_a_search_too_long_and_keeps_the_words(world, client_for, lc):
    response = _feed(client_for(world.facilitator), lc, q="palabra " * 30)
    assert response.status_code == 400
    body = response.content.decode()
    assert "at most 200 characters" in body and "palabra palabra" in body


# --- responses -------------------------------------------------------------------------


def _respond(client, reflection, text, **headers):
    return client.post(reverse("reflection_respond", args=[reflection.pk]), {"text": text},
                       **headers)  # fmt: skip


def test_it_posts_a_response_tells_the_author_and_records_it(world, client_for, lc):
    shared = _reflection(world.facilitator, world.org, team=world.team)
    heard = []

    def receiver(sender, response, **kwargs):
        heard.append(response)

    reflection_responded.connect(receiver)
    try:
        answer = _respond(client_for(world.other_facilitator), shared, "I will try this too.")
    finally:
        reflection_responded.disconnect(receiver)
    assert answer.status_code == 302
    assert answer["Location"] == reverse("reflection_detail", args=[shared.pk]) + "#responses"
    response = ReflectionResponse.objects.get()
    assert response.author == world.other_facilitator and heard == [response]
    message = Message.objects.get(recipient=world.facilitator, channel="app")
    assert (
        message.kind == "reflection_response"
        and "Otto responded to your reflection" in message.text
    )
    assert AuditEntry.objects.filter(subject=f"reflection {shared.pk} response").exists()
    page = client_for(world.facilitator).get(reverse("reflection_detail", args=[shared.pk]))
    assert "I will try this too." in page.content.decode()


def test_it_does_not_notify_an_author_responding_to_themselves(world, client_for, lc):
    shared = _reflection(world.facilitator, world.org, team=world.team)
    _respond(client_for(world.facilitator), shared, "A later thought.")
    assert ReflectionResponse.objects.count() == 1 and not Message.objects.exists()


def test_it_answers_404_to_a_response_on_a_reflection_one_may_not_read(
    world, client_for, lc, stranger
):
    private = _reflection(world.facilitator, world.org, team=world.team, visibility="private")
    before = (AuditEntry.objects.count(), Message.objects.count())
    for user in (world.other_facilitator, stranger, world.family, world.outsider, world.admin):
        assert _respond(client_for(user), private, "Sneaky").status_code == 404, user
    assert _respond(client_for(None), private, "Sneaky").status_code == 302  # log in
    assert not ReflectionResponse.objects.exists()
    assert (AuditEntry.objects.count(), Message.objects.count()) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "Write your response first"), ("x" * 1001, "at most 1000 characters")],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_it_refuses_an_empty_or_too_long_response_and_keeps_the_words(
    world, client_for, lc, text, message, htmx
):
    shared = _reflection(world.facilitator, world.org, team=world.team)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    answer = _respond(client_for(world.other_facilitator), shared, text, **headers)
    body = answer.content.decode()
    assert answer.status_code == 400 and message in body
    assert "your words are still here" in body
    if text.strip():
        assert text in body
    assert ("<html" in body) is not htmx
    assert not ReflectionResponse.objects.exists() and not Message.objects.exists()


def test_it_answers_htmx_with_the_responses_and_escapes_them(world, client_for, lc):
    shared = _reflection(world.facilitator, world.org, team=world.team)
    answer = _respond(client_for(world.other_facilitator), shared, "<script>alert(1)</script>",
                      HTTP_HX_REQUEST="true")  # fmt: skip
    body = answer.content.decode()
    assert answer.status_code == 200 and 'id="responses"' in body and "<html" not in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)" in body


# --- "this helped me" -------------------------------------------------------------------------


def _helped(client, reflection, value, **extra):
    data = {"helped": value, **extra.pop("data", {})}
    return client.post(reverse("reflection_helped", args=[reflection.pk]), data, **extra)


def test_it_says_this_helped_me_once_however_often_and_takes_it_back(world, client_for, lc):
    shared = _reflection(world.facilitator, world.org, team=world.team)
    client = client_for(world.other_facilitator)
    for _ in range(2):
        assert _helped(client, shared, "yes").status_code == 302
    assert HelpedReaction.objects.filter(reflection=shared).count() == 1
    fragment = _helped(client, shared, "yes", HTTP_HX_REQUEST="true").content.decode()
    assert 'aria-pressed="true"' in fragment and "1 person found this helpful" in fragment
    assert "<html" not in fragment
    for _ in range(2):
        _helped(client, shared, "no")
    assert not HelpedReaction.objects.exists()


def test_it_goes_back_to_the_feed_but_never_to_another_site(world, client_for, lc):
    shared = _reflection(world.facilitator, world.org, team=world.team)
    client = client_for(world.other_facilitator)
    feed_url = reverse("community_feed", args=[lc.pk])
    assert _helped(client, shared, "yes", data={"next": feed_url})["Location"] == feed_url
    away = _helped(client, shared, "no", data={"next": "https://evil.example/"})
    assert away["Location"] == reverse("reflection_detail", args=[shared.pk])


def test_it_refuses_helped_on_ones_own_or_an_unreadable_reflection(world, client_for, lc):
    shared = _reflection(world.facilitator, world.org, team=world.team)
    private = _reflection(world.facilitator, world.org, team=world.team, visibility="private")
    assert _helped(client_for(world.facilitator), shared, "yes").status_code == 400
    assert _helped(client_for(world.other_facilitator), private, "yes").status_code == 404
    assert _helped(client_for(world.other_facilitator), shared, "maybe").status_code == 400
    assert not HelpedReaction.objects.exists()


# --- celebrations and the way in ------------------------------------------------------------


def test_it_celebrates_a_shared_milestone_in_the_feed(world, client_for, lc, stranger):
    MilestoneShare.objects.create(user=world.facilitator, organization=world.org,
                                  milestone="first_reflection",
                                  reached_on=timezone.localdate())  # fmt: skip
    MilestoneShare.objects.create(
        user=stranger,
        organization=world.org,
        milestone="first_circle",
        reached_on=timezone.localdate(),
    )
    page = _feed(client_for(world.other_facilitator), lc).content.decode()
    assert "Celebrations" in page and "Fay Facilitator" in page and "First reflection" in page
    assert "Sara Stranger" not in page  # another community's


def test_it_takes_the_person_to_their_first_community_or_lists_them(world, client_for, lc):
    assert client_for(world.facilitator).get(reverse("my_feed"))["Location"] == reverse(
        "community_feed", args=[lc.pk]
    )
    page = client_for(world.admin).get(reverse("my_feed"))
    assert page.status_code == 200 and "Practice community" in page.content.decode()
    assert client_for(world.family).get(reverse("my_feed")).status_code == 403


# --- query counts --------------------------------------------------------------------------


def _grow(world, n: int) -> None:
    for k in range(n):
        reflection = _reflection(
            world.facilitator, world.org, team=world.team, worked=f"Family story {k}"
        )
        ReflectionResponse.objects.create(reflection=reflection, author=world.supervisor,
                                          text="Thanks")  # fmt: skip
        HelpedReaction.objects.create(reflection=reflection, user=world.other_facilitator)
    MilestoneShare.objects.get_or_create(user=world.facilitator, organization=world.org,
                                         milestone="first_reflection",
                                         defaults={"reached_on": timezone.localdate()})  # fmt: skip


# Session, user, memberships, (MFA check for leads), community, (a supervisor's programs),
# the page of reflections, the audit insert, celebrations, the communities list.
@pytest.mark.parametrize(("role", "queries"), [("supervisor", 10), ("other_facilitator", 9),
                                               ("facilitator", 9)])  # fmt: skip
@pytest.mark.parametrize("words", ["", "family"])
def test_it_pins_the_feeds_queries_at_two_sizes(
    world, client_for, lc, django_assert_num_queries, role, queries, words
):
    client = client_for(getattr(world, role))
    for size in (3, 30):
        _grow(world, size - Reflection.objects.count())
        with django_assert_num_queries(queries):
            page = _feed(client, lc, q=words).content.decode()
        assert page.count('class="card feed-entry"') == min(size, 20)


# --- the demo ----------------------------------------------------------------------------


def test_it_seeds_a_believable_feed_once(world, client_for, lc):
    from datetime import date, time

    from communities.models import CircleSession, LearningCircle
    from miiwrap.demo_feed import demo_feed_seed
    from reflections.models import FollowThrough

    now = timezone.now()
    for focus, every in (("reflections", 7), ("family_voice", 28)):
        circle = LearningCircle.objects.create(
            community=lc, title=focus, focus=focus, starts_on=date(2026, 1, 6),
            start_time=time(10), time_zone="America/Chicago", rrule="FREQ=WEEKLY",
        )  # fmt: skip
        for n in range(1, 8):
            starts = now - timedelta(days=every * n - 1)
            CircleSession.objects.create(
                circle=circle,
                occurrence_date=starts.date(),
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
            )
    peer = world.other_facilitator
    for _ in range(2):  # idempotent
        demo_feed_seed(organization=world.org, community=lc, facilitator=world.facilitator,
                       supervisor=world.supervisor, now=now)  # fmt: skip
    assert Reflection.objects.count() == 10
    assert (
        lc.members.filter(name__in=["Lucía Fernández", "Tomás Reyes", "Marcus Bell"]).count() == 3
    )
    assert ReflectionResponse.objects.count() >= 6 and HelpedReaction.objects.count() >= 10
    assert FollowThrough.objects.filter(outcome="tried").count() == 2
    assert MilestoneShare.objects.filter(user=world.facilitator).exists()
    page = _feed(client_for(peer), lc).content.decode()
    assert "Lucía Fernández" in page and "Celebrations" in page and "Fay Facilitator" in page
    spanish = _feed(client_for(peer), lc, q="familias").content.decode()
    assert spanish.count('class="card feed-entry"') >= 2
    assert Message.objects.filter(recipient=world.facilitator, kind="reflection_response").exists()
