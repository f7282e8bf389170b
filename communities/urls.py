from django.urls import path

from communities import views

urlpatterns = [
    path("teams/<int:team_id>/invite/", views.family_invite, name="family_invite"),
    path("teams/<int:team_id>/audit/", views.team_audit, name="team_audit"),
    path("setup/", views.setup, name="setup"),
    path("setup/invite/", views.staff_invite, name="staff_invite"),
    path("setup/members/<int:membership_id>/", views.membership_edit, name="membership_edit"),
    path(
        "invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:key>/", views.invitation_accept, name="invitation_accept"),
    path("preferences/", views.preferences, name="preferences"),
    path("language/", views.language_switch, name="set_language"),
    path("organisation/", views.organization_switch, name="organization_switch"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("messages/", views.message_list, name="message_list"),
    path("messages/<int:message_id>/retry/", views.message_retry, name="message_retry"),
    path("communities/", views.community_list, name="community_list"),
    path("communities/new/", views.community_new, name="community_new"),
    path("communities/<int:community_id>/", views.community_detail, name="community_detail"),
    path("communities/<int:community_id>/edit/", views.community_edit, name="community_edit"),
    path("communities/<int:community_id>/circles/new/", views.circle_new, name="circle_new"),
    path("circles/", views.upcoming_sessions, name="upcoming_sessions"),
    path("circles/preview/", views.circle_preview, name="circle_preview"),
    path("circles/<int:circle_id>/", views.circle_detail, name="circle_detail"),
    path("circles/<int:circle_id>/edit/", views.circle_edit, name="circle_edit"),
    path("circles/sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path("circles/sessions/<int:session_id>/rsvp/", views.session_rsvp, name="session_rsvp"),
    path(
        "circles/sessions/<int:session_id>/attendance/",
        views.session_attendance,
        name="session_attendance",
    ),
    path("circles/sessions/<int:session_id>/move/", views.session_move, name="session_move"),
    path("circles/sessions/<int:session_id>/cancel/", views.session_cancel, name="session_cancel"),
]
