from django.urls import path

from communities import views

urlpatterns = [
    path("", views.home, name="home"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<int:team_id>/", views.team_detail, name="team_detail"),
    path("teams/<int:team_id>/invite/", views.family_invite, name="family_invite"),
    path("teams/<int:team_id>/audit/", views.team_audit, name="team_audit"),
    path("teams/<int:team_id>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("setup/", views.setup, name="setup"),
    path("setup/invite/", views.staff_invite, name="staff_invite"),
    path("invitations/<str:key>/", views.invitation_accept, name="invitation_accept"),
    path("preferences/", views.preferences, name="preferences"),
    path("language/", views.language_switch, name="set_language"),
]
