"""A deactivated person is signed out on their very next request: both authentication
backends refuse inactive users when they reload the user of a session
(`user_can_authenticate`), so the session counts as anonymous."""

import pytest
from django.conf import settings
from django.urls import reverse


@pytest.mark.parametrize("backend", settings.AUTHENTICATION_BACKENDS)
@pytest.mark.parametrize(
    "role, url_name", [("facilitator", "team_list"), ("family", "family_home")]
)
def test_it_treats_a_deactivated_users_session_as_anonymous(world, client, backend, role, url_name):
    user = getattr(world, role)
    client.force_login(user, backend=backend)
    url = reverse(url_name)
    assert client.get(url).status_code == 200

    user.is_active = False
    user.save(update_fields=["is_active"])

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"
