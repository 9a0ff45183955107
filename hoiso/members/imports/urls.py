"""Member import pages, in the ``members`` namespace under /members/import/."""

from django.urls import path

from hoiso.members.imports import views

urlpatterns = [
    path("", views.member_import, name="import"),
    path("jobs/<int:pk>/", views.member_import_job, name="import_job"),
    path("template.xlsx", views.member_import_template, name="import_template"),
]
