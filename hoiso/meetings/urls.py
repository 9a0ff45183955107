"""The meeting room's pages (namespace ``meetings``, under /meetings/). Each part keeps its
routes beside its views (urls_*.py); this module joins them."""

from hoiso.meetings import urls_live, urls_opinions, urls_organise, urls_viewer

app_name = "meetings"

urlpatterns = [
    *urls_organise.urlpatterns,
    *urls_live.urlpatterns,
    *urls_viewer.urlpatterns,
    *urls_opinions.urlpatterns,
]
