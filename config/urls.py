from django.contrib import admin
from django.urls import include, path

from hoiso.api import api
from hoiso.core.views import healthz
from hoiso.documents.urls import public_urlpatterns

urlpatterns = [
    path("", include("hoiso.core.urls")),
    path("org/", include("hoiso.org.urls")),
    path("accounts/", include("hoiso.accounts.urls")),
    path("members/", include("hoiso.members.urls")),
    path("documents/", include("hoiso.documents.urls")),
    path("meetings/", include("hoiso.meetings.urls")),
    path("notifications/", include("hoiso.notifications.urls")),
    # published documents and share links: no login (hoiso/documents/views/public.py)
    path("van-ban/", include((public_urlpatterns, "published"))),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
