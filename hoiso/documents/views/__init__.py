"""The archive's pages: search and documents (archive.py), upload (upload.py), registers and
files (records.py), the public pages and share links (public.py).

Views parse, authorise, call one selector or service and render; scoped reads go through
hoiso.documents.selectors (tests/documents/test_views_restrict.py holds these modules to it).
"""
