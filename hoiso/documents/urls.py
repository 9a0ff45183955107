"""The archive's pages (namespace ``documents``, under /documents/) and the public ones
(namespace ``published``, under /van-ban/: no login)."""

from django.urls import path

from hoiso.documents.views import archive, public, records, upload

app_name = "documents"

urlpatterns = [
    path("", archive.document_list, name="document_list"),
    path("upload/", upload.document_upload, name="document_upload"),
    path("searches/", archive.saved_search_save, name="saved_search_save"),
    path("searches/<int:pk>/", archive.saved_search_run, name="saved_search_run"),
    path("searches/<int:pk>/delete/", archive.saved_search_delete, name="saved_search_delete"),
    path("<int:pk>/", archive.document_detail, name="document_detail"),
    path("<int:pk>/state/", archive.document_state, name="document_state"),
    path("<int:pk>/edit/", archive.document_edit, name="document_edit"),
    path("<int:pk>/confirm/", archive.document_confirm, name="document_confirm"),
    path("<int:pk>/retry/", archive.document_retry, name="document_retry"),
    path("<int:pk>/versions/", archive.document_version_add, name="document_version_add"),
    path("<int:pk>/register/", archive.document_register, name="document_register"),
    path("<int:pk>/publish/", archive.document_publish, name="document_publish"),
    path("<int:pk>/share/", archive.share_create, name="share_create"),
    path("<int:pk>/share/<int:link_id>/revoke/", archive.share_revoke, name="share_revoke"),
    path("<int:pk>/download/", archive.document_download, name="document_download"),
    path("registers/", records.register_view, name="register"),
    path("registers/export/", records.register_export, name="register_export"),
    path("files/", records.dossier_list, name="dossier_list"),
    path("files/new/", records.dossier_create, name="dossier_create"),
    path("files/review/", records.dossier_review, name="dossier_review"),
    path("files/disposal/", records.disposal_create, name="disposal_create"),
    path("files/<int:pk>/", records.dossier_detail, name="dossier_detail"),
    path("files/<int:pk>/export/", records.dossier_export, name="dossier_export"),
    path("files/<int:pk>/add/", records.dossier_add, name="dossier_add"),
    path(
        "files/<int:pk>/remove/<int:document_id>/",
        records.dossier_remove,
        name="dossier_remove",
    ),
    path("files/<int:pk>/close/", records.dossier_close, name="dossier_close"),
]

# Mounted at /van-ban/ with the namespace "published" (config/urls.py).
public_urlpatterns = [
    path("", public.published_list, name="list"),
    path("<int:pk>/", public.published_detail, name="detail"),
    path("<int:pk>/pdf/", public.published_file, name="file"),
    path("chia-se/<str:token>/", public.share_view, name="share"),
    path("chia-se/<str:token>/tep/", public.share_file, name="share_file"),
]
