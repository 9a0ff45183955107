from django.urls import path

from hoiso.members.cards import views

# Included by hoiso/members/urls.py under /members/cards/ (namespace "members").
urlpatterns = [
    path("mine/", views.my_card, name="my_card"),
    path("<int:pk>/", views.card, name="card"),
    path("<int:pk>/pdf/", views.card_pdf, name="card_pdf"),
    path("<int:pk>/issue/", views.card_issue, name="card_issue"),
    path("<int:pk>/revoke/", views.card_revoke, name="card_revoke"),
    path("sheet/<str:code>/", views.card_batch_pdf, name="card_batch_pdf"),
    # Public: what the QR code on a card opens.
    path("v/<str:token>/", views.card_verify, name="card_verify"),
]
