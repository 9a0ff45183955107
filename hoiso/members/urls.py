from django.urls import include, path

from hoiso.members import views

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="member_list"),
    path("new/", views.member_create, name="member_create"),
    path("me/", views.my_profile, name="my_profile"),
    path("<int:pk>/", views.member_detail, name="member_detail"),
    path("<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("<int:pk>/status/", views.member_status, name="member_status"),
    path("<int:pk>/digital/", views.member_indicators, name="member_indicators"),
    path("<int:pk>/consent/", views.member_consent, name="member_consent"),
    path("<int:pk>/login/", views.member_enable_login, name="member_enable_login"),
    path("<int:pk>/positions/", views.member_position, name="member_position"),
    path("<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/decide/", views.transfer_decide, name="transfer_decide"),
    path("transfers/units/", views.unit_options, name="unit_options"),
    path("dues/", views.dues, name="dues"),
    path("digital/", views.digital_bulk, name="digital_bulk"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("import/", include("hoiso.members.imports.urls")),
    path("cards/", include("hoiso.members.cards.urls")),
    path("stats/", include("hoiso.members.stats.urls")),
]
