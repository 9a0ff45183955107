"""Routes of views/opinions.py (joined in hoiso/meetings/urls.py)."""

from django.urls import URLPattern, path

from hoiso.meetings.views import opinions as v

urlpatterns: list[URLPattern] = [
    path("<int:pk>/opinions/", v.opinion_list, name="opinion_list"),
    path("<int:pk>/opinions/new/", v.opinion_create, name="opinion_create"),
    path("<int:pk>/opinions/<int:form_id>/", v.opinion_answer, name="opinion_answer"),
    path("<int:pk>/opinions/<int:form_id>/summary/", v.opinion_summary, name="opinion_summary"),
    path("<int:pk>/opinions/<int:form_id>/export.xlsx", v.opinion_export, name="opinion_export"),
]
