"""Routes of views/organise.py and organise_content.py (joined in hoiso/meetings/urls.py)."""

from django.urls import URLPattern, path

from hoiso.meetings.views import organise as v
from hoiso.meetings.views import organise_content as c

urlpatterns: list[URLPattern] = [
    path("", v.meeting_list, name="meeting_list"),
    path("new/", v.meeting_create, name="meeting_create"),
    path("people/", v.people_search, name="people_search"),
    path("tasks/", c.task_list, name="task_list"),
    path("tasks/<int:task_id>/status/", c.task_status, name="task_status"),
    path("<int:pk>/", v.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", v.meeting_edit, name="meeting_edit"),
    path("<int:pk>/respond/", v.invitation_respond, name="invitation_respond"),
    path("<int:pk>/schedule/", v.meeting_schedule, name="meeting_schedule"),
    path("<int:pk>/open/", v.meeting_open, name="meeting_open"),
    path("<int:pk>/close/", v.meeting_close, name="meeting_close"),
    path("<int:pk>/sites/add/", v.site_add, name="site_add"),
    path("<int:pk>/sites/<int:site_id>/lead/", v.site_lead, name="site_lead"),
    path("<int:pk>/participants/", c.participant_list, name="participant_list"),
    path("<int:pk>/participants/add/", c.participants_add, name="participants_add"),
    path(
        "<int:pk>/participants/<int:participant_id>/",
        c.participant_update,
        name="participant_update",
    ),
    path("<int:pk>/agenda/add/", c.item_add, name="item_add"),
    path("<int:pk>/agenda/<int:item_id>/edit/", c.item_edit, name="item_edit"),
    path("<int:pk>/agenda/<int:item_id>/documents/", c.item_documents, name="item_documents"),
    path("<int:pk>/votes/add/", c.vote_add, name="vote_add"),
    path("<int:pk>/conclusions/add/", c.conclusion_add, name="conclusion_add"),
    path("<int:pk>/conclusions/<int:conclusion_id>/tasks/add/", c.task_add, name="task_add"),
    path("<int:pk>/minutes/", c.minutes_edit, name="minutes_edit"),
    path("<int:pk>/minutes/generate/", c.minutes_generate, name="minutes_generate"),
    path("<int:pk>/minutes/finalise/", c.minutes_finalise, name="minutes_finalise"),
]
