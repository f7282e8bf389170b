from django.urls import path

from reflections import prompt_views, session_views

urlpatterns = [
    path("prompts/", prompt_views.my_prompts, name="my_prompts"),
    path("prompts/<int:delivery_id>/", prompt_views.prompt_answer, name="prompt_answer"),
    path("prompts/<int:delivery_id>/draft/", prompt_views.prompt_draft, name="prompt_draft"),
    path("prompts/library/", prompt_views.prompt_library, name="prompt_library"),
    path("prompts/library/<int:prompt_id>/", prompt_views.prompt_edit, name="prompt_edit"),
    path("prompts/schedules/", prompt_views.schedule_list, name="prompt_schedules"),
    path(
        "prompts/schedules/<int:schedule_id>/",
        prompt_views.schedule_edit,
        name="prompt_schedule_edit",
    ),
    path(
        "circles/sessions/<int:session_id>/reflect/",
        session_views.session_reflection_new,
        name="session_reflection_new",
    ),
    path(
        "circles/sessions/<int:session_id>/reflect/draft/",
        session_views.session_reflection_draft,
        name="session_reflection_draft",
    ),
]
