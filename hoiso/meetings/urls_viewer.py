"""Routes of views/viewer.py (joined in hoiso/meetings/urls.py): a meeting document's viewer,
its page images, its download (non-secret meetings) and its comments."""

from django.urls import URLPattern, path

from hoiso.meetings.views import viewer

urlpatterns: list[URLPattern] = [
    path("<int:pk>/documents/<int:doc_id>/", viewer.document_view, name="document_view"),
    path(
        "<int:pk>/documents/<int:doc_id>/pages/<int:page>.png",
        viewer.document_page,
        name="document_page",
    ),
    path(
        "<int:pk>/documents/<int:doc_id>/download/",
        viewer.document_download,
        name="document_download",
    ),
    path(
        "<int:pk>/documents/<int:doc_id>/comments/",
        viewer.comment_add,
        name="document_comment_add",
    ),
    path(
        "<int:pk>/documents/<int:doc_id>/comments/<int:comment_id>/resolve/",
        viewer.comment_resolve,
        name="document_comment_resolve",
    ),
]
