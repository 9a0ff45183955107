"""Routes of views/live.py (joined in hoiso/meetings/urls.py)."""

from django.urls import URLPattern, path

from hoiso.meetings.views import live

urlpatterns: list[URLPattern] = [
    path("<int:pk>/room/", live.room, name="room"),
    # the room's parts, re-fetched by room.js when the socket says they changed
    *(
        path(f"<int:pk>/room/{part}/", live.room_part, {"part": part}, name=f"room_{part}")
        for part in live.PARTS
    ),
    path("<int:pk>/room/act/", live.room_act, name="room_act"),
    path("<int:pk>/board/", live.board, name="board"),
    path("<int:pk>/board/part/", live.board_part, name="board_part"),
    path("<int:pk>/board/mark/<int:participant_id>/", live.board_mark, name="board_mark"),
    path("<int:pk>/sites/<int:site_id>/qr/", live.checkin_qr, name="checkin_qr"),
    path("checkin/<str:code>/", live.checkin, name="checkin"),
]
