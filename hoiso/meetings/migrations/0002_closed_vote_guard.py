"""A closed vote is immutable in the database too: triggers refuse to write a closed vote's row
and any ballot, receipt or tally of a vote that is not open (writes that bypass the models).

Deletes are not guarded (test databases are flushed with DELETE on SQLite); no service deletes
a vote or its ballots.
"""

from django.db import migrations

CHILDREN = ("meetings_ballot", "meetings_votereceipt", "meetings_secrettally")

SQLITE_UP = [
    *[
        f"""CREATE TRIGGER {table}_open_{op.lower()} BEFORE {op} ON {table}
        WHEN (SELECT state FROM meetings_vote WHERE id = NEW.vote_id) IS NOT 'open'
        BEGIN SELECT RAISE(ABORT, 'meetings: the vote is not open'); END"""
        for table in CHILDREN
        for op in ("INSERT", "UPDATE")
    ],
    """CREATE TRIGGER meetings_vote_closed_update BEFORE UPDATE ON meetings_vote
    WHEN OLD.state = 'closed'
    BEGIN SELECT RAISE(ABORT, 'meetings: a closed vote cannot change'); END""",
]
SQLITE_DOWN = [
    *[
        f"DROP TRIGGER IF EXISTS {table}_open_{op.lower()}"
        for table in CHILDREN
        for op in ("INSERT", "UPDATE")
    ],
    "DROP TRIGGER IF EXISTS meetings_vote_closed_update",
]

POSTGRES_UP = [
    """CREATE FUNCTION meetings_vote_child_guard() RETURNS trigger AS $$
    BEGIN
        IF (SELECT state FROM meetings_vote WHERE id = NEW.vote_id) IS DISTINCT FROM 'open' THEN
            RAISE EXCEPTION 'meetings: the vote % is not open', NEW.vote_id;
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION meetings_vote_closed_guard() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'meetings: the closed vote % cannot change', OLD.id;
    END $$ LANGUAGE plpgsql""",
    *[
        f"""CREATE TRIGGER {table}_open BEFORE INSERT OR UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION meetings_vote_child_guard()"""
        for table in CHILDREN
    ],
    """CREATE TRIGGER meetings_vote_closed BEFORE UPDATE ON meetings_vote
    FOR EACH ROW WHEN (OLD.state = 'closed') EXECUTE FUNCTION meetings_vote_closed_guard()""",
]
POSTGRES_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {table}_open ON {table}" for table in CHILDREN],
    "DROP TRIGGER IF EXISTS meetings_vote_closed ON meetings_vote",
    "DROP FUNCTION IF EXISTS meetings_vote_child_guard()",
    "DROP FUNCTION IF EXISTS meetings_vote_closed_guard()",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
