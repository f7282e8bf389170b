from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("communities.urls")),
    path("", include("engagement.urls")),
    path("accounts/", include("allauth.urls")),
    path("django-admin/", admin.site.urls),
]

handler400 = "miiwrap.errors.bad_request"
handler403 = "miiwrap.errors.permission_denied"
handler404 = "miiwrap.errors.page_not_found"
handler500 = "miiwrap.errors.server_error"
handler429 = "miiwrap.errors.too_many_requests"
