"""Every write to the meeting room. One transaction each: the change and its audit row; the live
room's notice goes out after commit (broadcast.notify).

``actor=None`` means the system (seeding, tests' setup): the permission checks are skipped, the
meeting's own rules (presence to vote, one ballot each, a closed vote is final) are not.
Permission rules: organisers hold ``meetings.change_meeting`` at the host unit; the chair and
the secretary (participants) drive the live room; a site lead checks in her site's people.

One module per topic; import the package (``from hoiso.meetings import services``) and call
``services.vote_cast(...)``.
"""

from hoiso.meetings.services._common import record_write
from hoiso.meetings.services.agenda import (
    agenda_item_add,
    agenda_item_update,
    agenda_set_current,
    document_show,
    item_document_add,
)
from hoiso.meetings.services.comments import comment_add, comment_resolve
from hoiso.meetings.services.followups import (
    conclusion_add,
    followup_add,
    followup_set_status,
    followups_due,
)
from hoiso.meetings.services.meetings import (
    UPDATABLE,
    meeting_close,
    meeting_create,
    meeting_open,
    meeting_schedule,
    meeting_update,
)
from hoiso.meetings.services.minutes import (
    minutes_finalise,
    minutes_generate,
    minutes_update,
)
from hoiso.meetings.services.opinions import (
    opinion_export_xlsx,
    opinion_form_create,
    opinion_respond,
)
from hoiso.meetings.services.people import (
    attendance_mark,
    checkin_by_code,
    invitation_respond,
    participant_update,
    participants_add,
    site_add,
    site_set_lead,
    users_of_unit,
)
from hoiso.meetings.services.speaking import (
    speaking_grant,
    speaking_raise,
    speaking_start,
    speaking_stop,
    speaking_withdraw,
)
from hoiso.meetings.services.votes import (
    vote_cast,
    vote_close,
    vote_create,
    vote_open,
    vote_set_results_visible,
)

__all__ = [
    "UPDATABLE",
    "agenda_item_add",
    "agenda_item_update",
    "agenda_set_current",
    "attendance_mark",
    "checkin_by_code",
    "comment_add",
    "comment_resolve",
    "conclusion_add",
    "document_show",
    "followup_add",
    "followup_set_status",
    "followups_due",
    "invitation_respond",
    "item_document_add",
    "meeting_close",
    "meeting_create",
    "meeting_open",
    "meeting_schedule",
    "meeting_update",
    "minutes_finalise",
    "minutes_generate",
    "minutes_update",
    "opinion_export_xlsx",
    "opinion_form_create",
    "opinion_respond",
    "participant_update",
    "participants_add",
    "record_write",
    "site_add",
    "site_set_lead",
    "speaking_grant",
    "speaking_raise",
    "speaking_start",
    "speaking_stop",
    "speaking_withdraw",
    "users_of_unit",
    "vote_cast",
    "vote_close",
    "vote_create",
    "vote_open",
    "vote_set_results_visible",
]
