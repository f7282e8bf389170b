from django.urls import path

from reflections import practice_views as views

OBSERVATION = "practice/observations/<int:observation_id>/"

urlpatterns = [
    path("practice/", views.practice_home, name="practice_home"),
    path("practice/people/<int:user_id>/", views.practice_person, name="practice_person"),
    path("practice/observations/new/", views.observation_new, name="practice_new"),
    path(OBSERVATION, views.observation_detail, name="practice_observation"),
    path(OBSERVATION + "finish/", views.observation_finish, name="practice_finish"),
    path(OBSERVATION + "tally/", views.observation_tally, name="practice_tally"),
    path(OBSERVATION + "tally/tap/", views.tally_tap, name="practice_tally_tap"),
    path(OBSERVATION + "tally/undo/", views.tally_undo, name="practice_tally_undo"),
    path(OBSERVATION + "tally/timer/", views.tally_timer, name="practice_tally_timer"),
    path(OBSERVATION + "transcript/", views.observation_transcript, name="practice_transcript"),
    path(
        OBSERVATION + "transcript/delete/",
        views.transcript_delete,
        name="practice_transcript_delete",
    ),
    path(OBSERVATION + "coding/", views.transcript_coding, name="practice_coding"),
    path(
        OBSERVATION + "coding/<int:utterance_id>/",
        views.utterance_code,
        name="practice_utterance_code",
    ),
    path(OBSERVATION + "coding/done/", views.coding_done, name="practice_coding_done"),
    path(OBSERVATION + "second-coding/", views.second_coding_start, name="practice_second_coding"),
    path(OBSERVATION + "prompt/", views.practise_next_send, name="practice_prompt"),
]
