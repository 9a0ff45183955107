from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "hoiso.members"
    label = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from hoiso.members import services
        from hoiso.org.restructure import register_mover

        # Members attached directly to a merged or split unit go to its successor.
        register_mover(services.members_follow_restructure)
