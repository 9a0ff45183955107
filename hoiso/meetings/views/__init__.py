"""The meeting room's pages: organise.py (list, create, sites, participants, agenda, votes,
minutes, tasks) and live.py (the chair's console, the follow-along view, the attendance board,
QR check-in); document pages for viewers in viewer.py; opinion forms in opinions.py."""
