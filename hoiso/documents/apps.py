from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "hoiso.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from hoiso.core.jobs import register_sweep
        from hoiso.documents.seed import seed_document_types
        from hoiso.documents.tasks import requeue_stuck

        post_migrate.connect(seed_document_types, dispatch_uid="hoiso.documents.seed_types")
        # Every worker, at start and every few minutes: documents a stopped worker left
        # half-done go back to the queue.
        register_sweep(requeue_stuck)
