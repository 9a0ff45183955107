"""Routes of views/viewer.py (joined in hoiso/meetings/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
