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
]
