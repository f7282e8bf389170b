"""The person's reflections and one reflection with its responses; a learning
community's feed; the learning log and its milestones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from communities.access import Actor, actor_for, person_for, require_role
from communities.audit import family_data_viewed, family_data_viewed_in
from communities.models import FamilyTeam, Role, User
from reflections import selectors
from reflections.access import (
    community_feed_for_person,
    learner_for_person,
    reflection_for_person,
)
from reflections.community import (
    MilestoneNotReached,
    helped_set,
    milestone_share,
    milestone_unshare,
    response_create,
)
from reflections.community_forms import FeedSearchForm, HelpedForm, MilestoneForm, ResponseForm
from reflections.feed import (
    community_celebrations,
    community_feed,
    feed_communities,
    shows_team,
)
from reflections.learning import learning_log
from reflections.models import HelpedReaction, Reflection

STAFF = (Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)
DETAIL = "reflections/reflection_detail.html"
FEED = "reflections/feed.html"
LEARNING = "reflections/learning_log.html"


@login_required
@require_safe
def reflection_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require_role(actor, *STAFF)
    context = selectors.my_reflections(person_for(request), actor.organization.pk)
    return render(request, "reflections/reflection_list.html", context)


# --- one reflection, its responses and "this helped me" -------------------------------------


def _detail_context(request: HttpRequest, reflection: Reflection, **extra) -> dict:
    """The reflection, its responses and how many it helped (three queries)."""
    user = request.user
    actor = person_for(request).actor_in(reflection.organization_id)
    helped = HelpedReaction.objects.filter(reflection=reflection).aggregate(
        n=Count("pk"), mine=Count("pk", filter=Q(user_id=user.pk))
    )
    reflection.helped_count, reflection.viewer_helped = helped["n"], bool(helped["mine"])
    if reflection.team_id is not None:
        reflection.viewer_facilitates = FamilyTeam.facilitators.through.objects.filter(
            familyteam_id=reflection.team_id, user_id=user.pk
        ).exists()
    context = {
        "reflection": reflection,
        "entry": reflection,
        "shows_team": shows_team(reflection, actor),
        "responses": list(reflection.responses.select_related("author")),
        "response_form": ResponseForm(),
        "next": reverse("reflection_detail", args=[reflection.pk]),
    }
    return context | extra


@login_required
@require_safe
def reflection_detail(request: HttpRequest, reflection_id: int) -> HttpResponse:
    reflection = reflection_for_person(person_for(request), reflection_id)
    if reflection.team is not None:
        family_data_viewed(request, team=reflection.team, subject=f"reflection {reflection.pk}")
    return render(request, DETAIL, _detail_context(request, reflection))


@login_required
@require_POST
def reflection_respond(request: HttpRequest, reflection_id: int) -> HttpResponse:
    """Respond to a reflection one may read (404 otherwise, nothing written). A refused
    response keeps its words, with the reason, and answers 400."""
    reflection = reflection_for_person(person_for(request), reflection_id)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, reflection, response_form=form)
        template = f"{DETAIL}#responses" if request.htmx else DETAIL
        return render(request, template, context, status=400)
    response = response_create(
        reflection=reflection, author=request.user, text=form.cleaned_data["text"]
    )
    if not request.htmx:
        messages.success(request, _("Your response is posted."))
        return redirect(reverse("reflection_detail", args=[reflection.pk]) + "#responses")
    context = _detail_context(request, reflection, posted=response)
    return render(request, f"{DETAIL}#responses", context)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    url = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else fallback


@login_required
@require_POST
def reflection_helped(request: HttpRequest, reflection_id: int) -> HttpResponse:
    """Say, or take back, "this helped me" (idempotent: the button sends which). htmx
    gets the button and count back; without JavaScript, back to where one was."""
    reflection = reflection_for_person(person_for(request), reflection_id)
    detail_url = reverse("reflection_detail", args=[reflection.pk])
    form = HelpedForm(request.POST)
    refusal = None
    if reflection.author_id == request.user.pk:
        refusal = _("This is your own reflection: the people it helps say so.")
    elif not form.is_valid():
        refusal = _("Please use the “This helped me” button.")
    else:
        helped_set(reflection=reflection, user=request.user, helped=form.cleaned_data["helped"])
        if not request.htmx:
            return redirect(_safe_next(request, detail_url))
    context = _detail_context(
        request, reflection, helped_refusal=refusal, next=_safe_next(request, detail_url)
    )
    status = 400 if refusal else 200
    if request.htmx:
        return render(request, "reflections/_feed_helped.html", context, status=status)
    return render(request, DETAIL, context, status=status)


# --- a learning community's feed --------------------------------------------------------


@login_required
@require_safe
def my_feed(request: HttpRequest) -> HttpResponse:
    """The feed of the person's first learning community; or the communities they may
    open (admins and supervisors), or a word on how to join one."""
    actor = actor_for(request)
    require_role(actor, *STAFF)
    communities = feed_communities(person_for(request), actor)
    mine = [c for c in communities if c.is_mine]
    if mine:
        return redirect("community_feed", community_id=mine[0].pk)
    return render(request, "reflections/feed_choose.html", {"communities": communities})


@login_required
@require_safe
def community_feed_page(request: HttpRequest, community_id: int) -> HttpResponse:
    """The reflections of the community's people the viewer may read, newest first (20
    a page, "more" by htmx), a search over them, and the milestones they shared."""
    person = person_for(request)
    community, actor = community_feed_for_person(person, community_id)
    form = FeedSearchForm(request.GET)
    status = 200
    if form.is_valid():
        words, page = form.cleaned_data["q"].strip(), form.cleaned_data["page"] or 1
        feed = community_feed(person=person, actor=actor, community=community, page=page,
                              words=words)  # fmt: skip
    else:
        status = 400
        feed = {"entries": [], "page": 1, "has_more": False, "words": ""}
    teams = {e.team_id: e.team for e in feed["entries"] if e.team_id is not None}
    family_data_viewed_in(
        request, teams=list(teams.values()), subject=f"community feed {community.pk}"
    )
    context = {
        "community": community,
        "feed": feed,
        "form": form,
        "next": request.get_full_path(),
    }
    if request.htmx:
        return render(request, f"{FEED}#feed_entries", context, status=status)
    context |= {
        "celebrations": community_celebrations(community),
        "communities": feed_communities(person, actor),
    }
    return render(request, FEED, context, status=status)


# --- the learning log ---------------------------------------------------------------------


def _learning_context(learner: User, actor: Actor, *, own: bool, **extra) -> dict:
    log = learning_log(user=learner, organization_id=actor.organization.pk)
    return log | {"learner": learner, "own": own} | extra


@login_required
@require_safe
def learning_log_mine(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require_role(actor, *STAFF)
    return render(request, LEARNING, _learning_context(request.user, actor, own=True))


@login_required
@require_safe
def learning_log_of(request: HttpRequest, user_id: int) -> HttpResponse:
    """Someone's learning log: their own, or a facilitator's they supervise (404 else)."""
    person = person_for(request)
    learner = learner_for_person(person, user_id)
    own = learner.pk == request.user.pk
    return render(request, LEARNING, _learning_context(learner, person.current, own=own))


def _milestone_answer(
    request: HttpRequest, actor: Actor, *, notice: str = "", refusal: str = ""
) -> HttpResponse:
    """After sharing or unsharing: the milestones for htmx; without JavaScript, back to
    the log (or the log with the reason, 400, when refused)."""
    if not request.htmx and not refusal:
        messages.success(request, notice)
        return redirect(reverse("learning_log") + "#milestones")
    context = _learning_context(request.user, actor, own=True, notice=notice, refusal=refusal)
    template = f"{LEARNING}#milestones" if request.htmx else LEARNING
    return render(request, template, context, status=400 if refusal else 200)


@login_required
@require_POST
def milestone_share_view(request: HttpRequest) -> HttpResponse:
    """Share a reached milestone with one's learning communities (once)."""
    actor = actor_for(request)
    require_role(actor, *STAFF)
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        return _milestone_answer(request, actor, refusal=_("There is no such milestone."))
    try:
        _share, created = milestone_share(
            user=request.user, organization=actor.organization,
            milestone=form.cleaned_data["milestone"],
        )  # fmt: skip
    except MilestoneNotReached:
        refusal = _("You have not reached this milestone yet: it waits for you.")
        return _milestone_answer(request, actor, refusal=refusal)
    if created:
        notice = _("Shared with your learning community. Well done!")
    else:
        notice = _("You had already shared this milestone; it is shared once.")
    return _milestone_answer(request, actor, notice=notice)


@login_required
@require_POST
def milestone_unshare_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require_role(actor, *STAFF)
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        return _milestone_answer(request, actor, refusal=_("There is no such milestone."))
    was_shared = milestone_unshare(
        user=request.user, organization=actor.organization,
        milestone=form.cleaned_data["milestone"],
    )  # fmt: skip
    if was_shared:
        notice = _("No longer shared with your learning community.")
    else:
        notice = _("This milestone was not shared.")
    return _milestone_answer(request, actor, notice=notice)
