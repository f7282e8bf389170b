from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

# The admin logs in through allauth too: same rate limits, same MFA.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", include("communities.urls")),
    path("", include("communities.calendar_urls")),
    path("", include("engagement.urls")),
    path("", include("reflections.urls")),
    path("", include("reflections.prompt_urls")),
    path("", include("reflections.practice_urls")),
    path("accounts/", include("allauth.urls")),
    path("django-admin/", admin.site.urls),
]

handler400 = "miiwrap.errors.bad_request"
handler403 = "miiwrap.errors.permission_denied"
handler404 = "miiwrap.errors.page_not_found"
handler500 = "miiwrap.errors.server_error"
handler429 = "miiwrap.errors.too_many_requests"
