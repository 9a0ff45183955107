"""Routes of views/live.py (joined in hoiso/meetings/urls.py)."""

from django.urls import URLPattern, path

from hoiso.meetings.views import live

urlpatterns: list[URLPattern] = [
    path("<int:pk>/room/", live.room, name="room"),
    path("<int:pk>/board/", live.board, name="board"),
    path("<int:pk>/sites/<int:site_id>/qr/", live.checkin_qr, name="checkin_qr"),
    path("checkin/<str:code>/", live.checkin, name="checkin"),
]
