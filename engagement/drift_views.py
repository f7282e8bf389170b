"""Drift pages: the signals list (supervisors, admins), one signal with what tripped it,
a team's and a person's history, and the admins' rules with a preview and a scan."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from communities.access import actor_for, organization_for_admin, person_for
from communities.audit import family_data_viewed
from engagement import drift, drift_selectors
from engagement.drift_access import (
    drift_person_for,
    scan_for_admin,
    signal_for_person,
    signal_list_actor,
    team_for_drift,
)
from engagement.drift_forms import DriftRuleForm, SignalFilterForm, SnoozeForm
from engagement.drift_selectors import SignalFilters


@login_required
@require_safe
def signal_list(request: HttpRequest) -> HttpResponse:
    actor = signal_list_actor(actor_for(request))
    form = SignalFilterForm(request.GET or None, **drift_selectors.filter_choices(actor))
    status, filters = 200, SignalFilters()
    if request.GET:
        if form.is_valid():
            filters = form.filters()
        else:
            status = 400
    context = drift_selectors.signal_list(actor, filters)
    query = request.GET.copy()
    query.pop("page", None)
    context |= {"form": form, "filters": filters, "query": query.urlencode()}
    template = "engagement/drift_list.html"
    if request.htmx and status == 200:
        template += "#results"
    return render(request, template, context, status=status)


def _signal_page(request, access, form=None, status=200) -> HttpResponse:
    signal = access.signal
    if signal.team_id:
        family_data_viewed(request, team=signal.team, subject=f"drift signal {signal.pk}")
    context = drift_selectors.signal_page(signal, access.actor)
    context |= {"access": access, "snooze_form": form or SnoozeForm()}
    return render(request, "engagement/drift_signal.html", context, status=status)


@login_required
@require_safe
def signal_detail(request: HttpRequest, signal_id: int) -> HttpResponse:
    return _signal_page(request, signal_for_person(person_for(request), signal_id))


@login_required
@require_POST
def signal_snooze(request: HttpRequest, signal_id: int) -> HttpResponse:
    access = signal_for_person(person_for(request), signal_id, snooze=True)
    form = SnoozeForm(request.POST)
    if not access.signal.is_open:
        form.add_error(None, _("This signal is resolved: there is nothing to snooze."))
    if not form.is_valid():
        return _signal_page(request, access, form, status=400)
    drift.snooze(signal=access.signal, until=form.cleaned_data["until"],
                 reason=form.cleaned_data["reason"], by=request.user)  # fmt: skip
    messages.success(request, _("Snoozed: no reminders until the date you chose."))
    return redirect("drift_signal", signal_id)


@login_required
@require_POST
def signal_wake(request: HttpRequest, signal_id: int) -> HttpResponse:
    access = signal_for_person(person_for(request), signal_id, snooze=True)
    drift.unsnooze(signal=access.signal, by=request.user)
    messages.success(request, _("The signal is awake again."))
    return redirect("drift_signal", signal_id)


@login_required
@require_safe
def team_history(request: HttpRequest, team_id: int) -> HttpResponse:
    access = team_for_drift(person_for(request), team_id)
    family_data_viewed(request, team=access.team, subject="drift signal history")
    context = {"team": access.team, "signals": drift_selectors.team_history(access.team)}
    return render(request, "engagement/drift_history.html", context)


@login_required
@require_safe
def person_history(request: HttpRequest, user_id: int) -> HttpResponse:
    person = person_for(request)
    subject = drift_person_for(person, user_id)
    signals = drift_selectors.person_history(subject, person.current.organization.pk)
    return render(request, "engagement/drift_history.html",
                  {"subject": subject, "signals": signals})  # fmt: skip


def _rules_page(request, organization, forms_by_code=None, preview=None, status=200):
    context = drift_selectors.rules_page(organization.pk)
    forms_by_code = forms_by_code or {}
    context["rules"] = [
        {"setting": s, "form": forms_by_code.get(s.code) or DriftRuleForm(setting=s),
         "open": context["open_counts"].get(s.code, 0),
         "preview": preview if preview and preview["code"] == s.code else None}
        for s in context["settings"]
    ]  # fmt: skip
    return render(request, "engagement/drift_rules.html", context, status=status)


def _rule_form(request, organization) -> DriftRuleForm:
    code = request.POST.get("code", "")
    settings = drift.settings_for([organization.pk])
    if (organization.pk, code) not in settings:
        code = next(iter(drift.RULES))
    return DriftRuleForm(request.POST, setting=settings[organization.pk, code])


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """GET: every rule with its values. POST: save one rule's form, or, with the
    Preview button (no JavaScript), show how many would trip without saving."""
    organization = organization_for_admin(actor_for(request))
    if request.method != "POST":
        return _rules_page(request, organization)
    form = _rule_form(request, organization)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: please check the values below."))
        return _rules_page(request, organization, {form.setting.code: form}, status=400)
    if "preview" in request.POST:
        preview = {"code": form.setting.code, **drift.preview(form.candidate())}
        return _rules_page(request, organization, {form.setting.code: form}, preview)
    drift.setting_save(setting=form.candidate(), by=request.user)
    messages.success(request, _("Saved. The next scan uses the new values."))
    return redirect(f"{request.path}#rule-{form.setting.code}")


@login_required
@require_POST
def rule_preview(request: HttpRequest) -> HttpResponse:
    """htmx: how many teams or members would trip with the values typed, not saved."""
    organization = organization_for_admin(actor_for(request))
    form = _rule_form(request, organization)
    context = {"form": form, "code": form.setting.code}
    if form.is_valid():
        context["preview"] = drift.preview(form.candidate())
    return render(request, "engagement/drift_rules.html#preview", context,
                  status=200 if form.is_valid() else 400)  # fmt: skip


@login_required
@require_POST
def scan_start(request: HttpRequest) -> HttpResponse:
    organization = organization_for_admin(actor_for(request))
    row = drift.scan_request(organization=organization, by=request.user)
    if request.htmx:
        return render(request, "engagement/drift_rules.html#scan", {"last_scan": row})
    return redirect("drift_scan", row.pk)


@login_required
@require_safe
def scan_status(request: HttpRequest, scan_id: int) -> HttpResponse:
    row = scan_for_admin(actor_for(request), scan_id)
    template = "engagement/drift_rules.html#scan" if request.htmx else "engagement/drift_scan.html"
    return render(request, template, {"last_scan": row})
