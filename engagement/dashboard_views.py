"""The engagement dashboards: the supervisor's programs, the facilitator's teams, the
admin's organisation (one view, scoped by the access layer), a team drilled into, and
the CSV of exactly what the dashboard shows."""

from __future__ import annotations

import csv

from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from communities.access import actor_for, person_for, require_role, team_for_person
from communities.audit import audit_entry_create, family_data_viewed
from communities.models import Role
from communities.replica import dashboard_reads
from engagement import dashboards, drift_selectors, measures, selectors
from engagement.dashboard_forms import DashboardFilterForm, WindowForm, default_filters
from engagement.dashboards import Filters
from engagement.measures import MEASURES

STAFF = (Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)
PAGE = "engagement/dashboard.html"


def _filters(request: HttpRequest, actor):
    """The filters asked for, or the default view with the form's reasons (status 400);
    and the actor's scope (the teams, and the choices of the filters)."""
    scope = dashboards.dashboard_scope(actor)
    form = DashboardFilterForm(request.GET or None, **scope.choices)
    if not request.GET:
        return form, default_filters(), 200, scope
    if form.is_valid():
        return form, form.filters(), 200, scope
    return form, default_filters(), 400, scope


def _window(request: HttpRequest):
    """The window asked for (a drill-down has no other filters), or the default one with
    the form's reasons (status 400)."""
    form = WindowForm(request.GET or None)
    if request.GET and form.is_valid():
        start, end = form.window()
        return form, Filters(start=start, end=end), 200
    return form, default_filters(), 400 if request.GET else 200


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require_role(actor, *STAFF)
    with dashboard_reads():
        form, filters, status, scope = _filters(request, actor)
        context = dashboards.dashboard(actor, filters, scope)
        if actor.role == Role.FACILITATOR:
            context["family_said"] = selectors.recent_family_checkins(actor, limit=10)
        if not request.htmx:
            drift = drift_selectors.open_by_rule(actor, measures.trend_weeks(filters.end))
            context["drift_open"] = drift["rules"]
            context["drift_trend"] = dashboards.open_signals_trend(drift["trend"])
    query = request.GET.copy()
    query.pop("sort", None)
    query.pop("page", None)
    context |= {
        "form": form, "filters": filters, "measures": MEASURES, "query": query.urlencode(),
        "role": actor.role,
    }  # fmt: skip
    template = f"{PAGE}#results" if request.htmx and status == 200 else PAGE
    return render(request, template, context, status=status)


@login_required
@require_safe
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The rows on the dashboard with the same filters, as CSV, streamed; asks for the
    password (or a code) again when the last sign-in is not recent, and is audited."""
    actor = actor_for(request)
    require_role(actor, *STAFF)
    return _export(request, actor)


@reauthentication_required
def _export(request: HttpRequest, actor) -> HttpResponse:
    with dashboard_reads():
        form, filters, status, scope = _filters(request, actor)
        if status != 200:
            return render(request, PAGE, {"form": form, "filters": filters}, status=400)
        context = dashboards.dashboard(actor, filters, scope, every_row=True)
    audit_entry_create(
        actor=request.user, action="view", subject="engagement dashboard CSV",
        organization=actor.organization,
        detail={"group": filters.group, "start": filters.start.isoformat(),
                "end": filters.end.isoformat(), "rows": len(context["all_rows"])},
    )  # fmt: skip
    rows = context["all_rows"]

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    header = [filters.group, "detail"]
    for m in MEASURES:
        header += [str(m.label), f"{m.label} (n)"]

    def lines():
        yield writer.writerow(header)
        for row in rows:
            cells = [row.label, row.detail]
            for value in row.cells:
                cells += [value.display, value.n]
            yield writer.writerow(cells)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="engagement-{stamp}.csv"'
    return response


@login_required
@require_safe
def team_drilldown(request: HttpRequest, team_id: int) -> HttpResponse:
    """One team over the window: its measures, trend and timeline (staff who may see the
    team; families have their own portal)."""
    access = team_for_person(person_for(request), team_id)
    if access.actor.role not in STAFF:
        raise PermissionDenied
    form, filters, status = _window(request)
    with dashboard_reads():
        context = dashboards.team_timeline(access.team, filters.start, filters.end)
    family_data_viewed(request, team=access.team, subject="engagement drill-down")
    context |= {"team": access.team, "form": form, "filters": filters, "measures": MEASURES,
                "drift_signals": drift_selectors.team_open_signals(access.team)}  # fmt: skip
    return render(request, "engagement/dashboard_team.html", context, status=status)
