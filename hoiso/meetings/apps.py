from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "hoiso.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from hoiso.meetings.restructure import meetings_follow_restructure
        from hoiso.org.restructure import register_mover

        # Open meetings, their rooms and unfinished tasks of a merged or split unit follow it.
        register_mover(meetings_follow_restructure)

        from hoiso.core.jobs import register_sweep
        from hoiso.meetings.reminders import sweep

        # Invitations, reminders before the start, follow-up tasks, opinion forms (idempotent).
        register_sweep(sweep)
