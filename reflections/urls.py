from django.urls import path

from reflections import views

urlpatterns = [
    path("reflections/", views.reflection_list, name="reflection_list"),
    path("reflections/<int:reflection_id>/", views.reflection_detail, name="reflection_detail"),
]
