from django.urls import path

from engagement import views

urlpatterns = [
    path("family/", views.family_home, name="family_home"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
