from django.urls import path

from hoiso.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_list_view, name="audit_list"),
    path("audit/export/", views.audit_export, name="audit_export"),
]
