"""Quality gates on every page (tests/pages.py) for every role, on a 360 px phone:

(a) the status is the authorization matrix's; (b) axe-core finds no WCAG 2.2 A/AA
violation, with every <details> open; (c) nothing scrolls sideways; (d) no console error
and no failed request to our server; and the page is in the person's language. One test
per role visits all of that role's pages and reports every failure at once.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

from tests.browser.conftest import SCREENSHOTS, screenshot, sign_in
from tests.conftest import ROLES
from tests.pages import (
    ERROR_PAGES,
    NOT_PAGES,
    Visit,
    excluded,
    listed_pages,
    served_pages,
    visits_for,
)
from tests.test_authorization_matrix import MATRIX

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
PHONE = {"width": 360, "height": 740}
# The innermost elements that stick out of the screen, to say what makes a page too wide.
WIDE_ELEMENTS_JS = """() => {
  const screen = window.innerWidth;
  const wide = [...document.body.querySelectorAll("*")].filter(
    (e) => e.getBoundingClientRect().right > screen + 0.5);
  const innermost = wide.filter((e) => !wide.some((o) => o !== e && e.contains(o)));
  return innermost.slice(0, 4).map((e) => {
    const name = e.tagName.toLowerCase() + [...e.classList].map((c) => "." + c).join("");
    const box = e.getBoundingClientRect();
    return `${name} "${e.textContent.trim().slice(0, 30)}" ends at ${Math.round(box.right)} px`;
  });
}"""


def test_it_lists_every_page_the_matrix_serves():
    served, listed = served_pages(), listed_pages()
    missing = sorted(page for page in served - listed if not excluded(*page))
    assert not missing, f"Pages missing from tests/pages.py (route, role): {missing}"
    stale = sorted((listed | NOT_PAGES.keys()) - served)
    assert not stale, f"In tests/pages.py but not a 200 in the authorization matrix: {stale}"
    both = sorted(page for page in listed if excluded(*page))
    assert not both, f"Both a page and excluded in tests/pages.py: {both}"


def test_it_lists_error_pages_the_matrix_answers():
    for route, row, role in ERROR_PAGES:
        assert MATRIX[route][row][1][role] >= 400, (route, row, role)


def _axe_failures(results: dict) -> list[str]:
    failures = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            failures.append(
                f"axe {violation['id']} ({violation['impact']}) on `{target}`: "
                f"{violation['help']}. {summary}"
            )
    return failures


def _slug(visit: Visit) -> str:
    name = f"{visit.role}-{visit.route or 'home'}-{visit.row}"
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class Watcher:
    """Collects what goes wrong in the browser while one page loads: console errors,
    script errors and failed requests to our server (the page's own status is checked
    against the matrix instead)."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url, self.problems = page, base_url, []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url")
            self.problems.append(f"console error: {message.text} ({where})")

    def _on_request_failed(self, request) -> None:
        if request.url.startswith(self.base_url):
            self.problems.append(f"request failed: {request.url} {request.failure}")

    def _on_response(self, response) -> None:
        is_the_page = response.request.is_navigation_request() and (
            response.frame == self.page.main_frame
        )
        if response.url.startswith(self.base_url) and response.status >= 400 and not is_the_page:
            self.problems.append(f"HTTP {response.status} for {response.url}")

    def take(self, *, page_status: int) -> list[str]:
        problems, self.problems = self.problems, []
        if page_status >= 400:
            # The browser logs the error status of the page itself; that one is expected.
            problems = [p for p in problems if "Failed to load resource" not in p]
        return problems


def _gate(page, visit: Visit, path: str, axe: Axe, watcher: Watcher, language: str) -> list[str]:
    """Everything wrong with one page, as sentences (empty when it passes)."""
    response = page.goto(path, wait_until="load")
    found = []
    status = response.status if response else None
    if status != visit.expected_status:
        found.append(f"status {status}, the matrix says {visit.expected_status}")
    if (page_language := page.evaluate("document.documentElement.lang")) != language:
        found.append(f"shown in {page_language!r}, the person chose {language!r}")
    # What a disclosure hides is part of the page too: check it open.
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    found += _axe_failures(axe.run(page, options=AXE_OPTIONS).response)
    width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > screen:
        culprits = "; ".join(page.evaluate(WIDE_ELEMENTS_JS))
        found.append(f"scrolls sideways: {width} px wide on a {screen} px screen ({culprits})")
    return found + watcher.take(page_status=visit.expected_status)


# Families (and people not signed in yet) see the pages in Spanish, staff in English: both
# languages are checked without visiting every page twice; Spanish runs longer, which is
# the harder test of width.
SPANISH = {"anonymous", "family"}


@pytest.mark.browser
@pytest.mark.parametrize(
    ("role", "language"), [(role, "es" if role in SPANISH else "en") for role in ROLES]
)
def test_it_passes_the_gates_on_every_page(
    role, language, transactional_db, world, browser, live_server
):
    context = browser.new_context(viewport=PHONE, locale=language, base_url=live_server.url)
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    if (user := world.persona(role)) is not None:
        sign_in(context, user, live_server.url)
    page = context.new_page()
    watcher, axe = Watcher(page, live_server.url), Axe()
    visits = visits_for(role)
    for stale in SCREENSHOTS.glob(f"gate-{role}-*.png"):
        stale.unlink()
    report: list[str] = []
    try:
        for visit in visits:
            path = visit.path(world)
            if found := _gate(page, visit, path, axe, watcher, language):
                screenshot(page, f"gate-{_slug(visit)}")
                report.append(
                    f"{role} GET {path} ({visit.route}, {language}):\n  - " + "\n  - ".join(found)
                )
    finally:
        context.close()
    assert not report, (
        f"{len(report)} of {len(visits)} pages fail the quality gates for {role} "
        f"(screenshots of them in {SCREENSHOTS}):\n" + "\n".join(report)
    )
