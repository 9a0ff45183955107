from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "hoiso.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from hoiso.documents.seed import seed_document_types

        post_migrate.connect(seed_document_types, dispatch_uid="hoiso.documents.seed_types")
