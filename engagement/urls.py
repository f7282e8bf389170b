from django.urls import path

from engagement import dashboard_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<int:team_id>/", views.team_detail, name="team_detail"),
    path("teams/<int:team_id>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("teams/<int:team_id>/reflections/new/", views.reflection_new, name="reflection_new"),
    path("teams/<int:team_id>/reflections/draft/", views.reflection_draft, name="reflection_draft"),
    path("family/", views.family_home, name="family_home"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/export.csv", dashboard_views.dashboard_export, name="dashboard_export"),
    path("dashboard/teams/<int:team_id>/", dashboard_views.team_drilldown, name="dashboard_team"),
    path("teams/<int:team_id>/goals/new/", views.goal_new, name="goal_new"),
    path("goals/<int:goal_id>/", views.goal_detail, name="goal_detail"),
    path("goals/<int:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:goal_id>/history/", views.goal_history, name="goal_history"),
    path(
        "goals/<int:goal_id>/history/<int:revision_id>/restore/",
        views.goal_restore,
        name="goal_restore",
    ),
    path("goals/<int:goal_id>/delete/", views.goal_delete, name="goal_delete"),
    path("goals/<int:goal_id>/steps/", views.step_add, name="step_add"),
    path("goals/<int:goal_id>/steps/<int:step_id>/done/", views.step_toggle, name="step_toggle"),
    path("goals/<int:goal_id>/progress/", views.progress_add, name="progress_add"),
    path("goals/<int:goal_id>/comments/", views.comment_add, name="comment_add"),
    path("checkins/<str:token>/", views.meeting_checkin, name="meeting_checkin"),
    path("notifications/", views.notifications, name="notifications"),
]
