from django.urls import include, path

from hoiso.members import views

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="member_list"),
    path("import/", include("hoiso.members.imports.urls")),
    path("cards/", include("hoiso.members.cards.urls")),
    path("stats/", include("hoiso.members.stats.urls")),
]
