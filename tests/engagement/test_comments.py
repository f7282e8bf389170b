from django.core import mail
from django.urls import reverse

from communities.models import Message, MessagePreference
from communities.outbox import digests_compose, outbox_sweep
from engagement.models import EngagementEvent, GoalComment


def test_it_notifies_the_facilitator_when_the_family_comments(world, client_for):
    response = client_for(world.family).post(
        reverse("comment_add", args=[world.goal.pk]), {"body": "We tried the checklist!"}
    )
    assert response.status_code == 302
    comment = GoalComment.objects.get()
    assert comment.author == world.family and comment.author_role == "family"
    note = Message.objects.get(channel="app")
    assert note.recipient == world.facilitator
    assert "Rosa" in note.text
    assert EngagementEvent.objects.filter(kind="comment", actor_role="family").exists()
    page = client_for(world.facilitator).get(reverse("notifications")).content.decode()
    assert "commented on" in page


def test_it_notifies_the_family_when_staff_comment(world, client_for):
    client_for(world.facilitator).post(
        reverse("comment_add", args=[world.goal.pk]), {"body": "Great progress."}
    )
    assert list(Message.objects.values_list("recipient", flat=True)) == [world.family.pk]
    # Comments come by email in the daily summary by default, not one by one.
    assert not Message.objects.filter(channel="email").exists()


def test_it_answers_htmx_comments_with_the_fragment(world, client_for):
    response = client_for(world.family).post(
        reverse("comment_add", args=[world.goal.pk]),
        {"body": "<b>bold</b> words"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="comments"' in body and "<html" not in body
    assert "&lt;b&gt;bold&lt;/b&gt; words" in body


def test_it_rejects_an_empty_or_over_long_comment(world, client_for):
    client = client_for(world.family)
    assert (
        client.post(reverse("comment_add", args=[world.goal.pk]), {"body": ""}).status_code == 400
    )
    long = "x" * 2001
    response = client.post(reverse("comment_add", args=[world.goal.pk]), {"body": long})
    assert response.status_code == 400
    assert long in response.content.decode()
    assert not GoalComment.objects.exists()


def test_it_sends_one_digest_per_person_per_day_honouring_preferences(world, client_for):
    client_for(world.family).post(reverse("comment_add", args=[world.goal.pk]), {"body": "One"})
    client_for(world.facilitator).post(
        reverse("comment_add", args=[world.goal.pk]), {"body": "Two"}
    )
    MessagePreference.objects.create(user=world.family, kind="digest", email=False)
    assert digests_compose(cadence="daily") == 1
    assert outbox_sweep() == 1
    assert [m.to for m in mail.outbox] == [[world.facilitator.email]]
    assert "commented on" in mail.outbox[0].body
    # Run again the same day (a retry, a second beat): nothing more is sent.
    assert digests_compose(cadence="daily") == 0
    assert outbox_sweep() == 0
    assert len(mail.outbox) == 1
    assert Message.objects.filter(kind="digest").count() == 1


def test_it_marks_notifications_read(world, client_for):
    client_for(world.family).post(reverse("comment_add", args=[world.goal.pk]), {"body": "One"})
    client_for(world.facilitator).post(reverse("notifications"))
    assert not Message.objects.filter(read_at__isnull=True).exists()
