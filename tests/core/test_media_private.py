"""Uploaded files are private: no URL serves MEDIA_ROOT, whatever DEBUG says."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import Resolver404, URLResolver, resolve
from django.urls.resolvers import RegexPattern


@pytest.mark.django_db
def test_no_route_serves_the_media_folder(client, admin_user):
    folder = Path(settings.MEDIA_ROOT) / "meetings"
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "test-private.txt"
    secret.write_text("biên bản mật")
    try:
        with pytest.raises(Resolver404):
            resolve(settings.MEDIA_URL + "meetings/test-private.txt")
        client.force_login(admin_user)
        response = client.get(settings.MEDIA_URL + "meetings/test-private.txt")
        assert response.status_code == 404
        assert "biên bản".encode() not in response.content
    finally:
        secret.unlink()


def test_debug_adds_no_media_route():
    """The URL configuration built with DEBUG on has no route for MEDIA_URL either."""
    import importlib

    import config.urls

    with override_settings(DEBUG=True):
        module = importlib.reload(config.urls)
        try:
            resolver = URLResolver(RegexPattern(r"^/"), module.urlpatterns)
            with pytest.raises(Resolver404):
                resolver.resolve(settings.MEDIA_URL + "meetings/x.pdf")
        finally:
            importlib.reload(config.urls)
