from django.urls import path

from hoiso.members.stats import views

# Included by hoiso/members/urls.py under /members/stats/ (namespace "members").
urlpatterns = [
    path("", views.stats_page, name="stats"),
    path("excel/", views.stats_export, name="stats_export"),
    path("export/", views.member_export, name="export"),
]
