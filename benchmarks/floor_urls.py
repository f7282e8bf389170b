"""The benchmark's URLs: the app's, plus one signed-in page that does nothing of its own
(the floor: session, user and membership, every middleware, the layout)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import include, path

from communities.access import actor_for


@login_required
def floor(request):
    actor_for(request)
    return render(request, "base.html", {})


urlpatterns = [path("benchmark/floor/", floor), path("", include("miiwrap.urls"))]
