"""Each demo login sees its role's home page in a real browser (screenshots → docs/)."""

import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

HOMES = [
    # (email, path after login, text that proves the right home, text that must be absent)
    ("admin@riverbend.example", "/", "Riverbend Family Services", "Okafor"),
    ("supervisor@riverbend.example", "/", "Programs you supervise", "Okafor"),
    ("facilitator@riverbend.example", "/", "My teams", "Okafor"),
    ("family@riverbend.example", "/family/", "Rivera family", "Nguyen"),
    ("outsider@northside.example", "/", "Okafor family", "Rivera"),
]


@pytest.mark.parametrize(("email", "path", "expected", "absent"), HOMES)
def test_it_shows_each_demo_user_their_home(demo, new_page, email, path, expected, absent):
    page = new_page()
    log_in(page, email)
    assert page.url.endswith(path), page.url
    body = page.inner_text("main")
    assert expected in body
    assert absent not in body
    screenshot(page, f"home-{email.split('@')[0]}")


def test_it_works_for_the_family_on_a_phone_in_spanish(demo, new_page):
    page = new_page(width=360, height=740, locale="es-ES")
    log_in(page, "family@riverbend.example")
    assert "/family/" in page.url
    assert "Nuestras metas" in page.inner_text("main")
    # Nothing wider than the phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "family-phone-es")
