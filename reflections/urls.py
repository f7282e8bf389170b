from django.urls import path

from reflections import views

urlpatterns = [
    path("reflections/", views.reflection_list, name="reflection_list"),
    path("reflections/<int:reflection_id>/", views.reflection_detail, name="reflection_detail"),
    path(
        "reflections/<int:reflection_id>/responses/",
        views.reflection_respond,
        name="reflection_respond",
    ),
    path(
        "reflections/<int:reflection_id>/helped/",
        views.reflection_helped,
        name="reflection_helped",
    ),
    path("feed/", views.my_feed, name="my_feed"),
    path(
        "communities/<int:community_id>/feed/",
        views.community_feed_page,
        name="community_feed",
    ),
    path("learning/", views.learning_log_mine, name="learning_log"),
    path("learning/<int:user_id>/", views.learning_log_of, name="learning_log_of"),
    path("learning/milestones/share/", views.milestone_share_view, name="milestone_share"),
    path("learning/milestones/unshare/", views.milestone_unshare_view, name="milestone_unshare"),
]
