"""The database itself refuses to change the ledger (PostgreSQL only).

Row triggers refuse every UPDATE and DELETE on events, daily anchors and the legacy seal, whoever runs it
(the table owner included; a superuser can still drop the trigger, which the keyed chain and the published
anchors then catch). A stream head only moves forward: its count never goes down, its head changes only
with its count, to an event of that stream, and it is never deleted. TRUNCATE is not a row operation:
the test runner's flush and the demo's reset (demo.reset) use it; the application's own database role is
granted neither UPDATE/DELETE nor TRUNCATE on these tables (README, "Deploying on several machines").

SQLite gets no triggers: Django's test flush empties its tables with DELETE.
"""

from django.db import migrations

APPEND_ONLY = ("timeline_event", "timeline_dailyanchor", "timeline_ledgerseal")

CREATE = [
    """
    CREATE OR REPLACE FUNCTION timeline_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'timeline: % on % refused: the ledger is append-only', TG_OP, TG_TABLE_NAME;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION timeline_refuse_change()"
        for table in APPEND_ONLY
    ),
    """
    CREATE OR REPLACE FUNCTION timeline_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'timeline: DELETE on timeline_streamhead refused: the ledger is append-only';
        END IF;
        IF NEW.stream <> OLD.stream OR NEW.count < OLD.count
           OR (NEW.head <> OLD.head AND NEW.count = OLD.count)
           OR (NEW.count <> OLD.count AND NEW.head = OLD.head)
           OR (NEW.head <> OLD.head AND NOT EXISTS (
                SELECT 1 FROM timeline_event WHERE hash = NEW.head AND stream = NEW.stream)) THEN
            RAISE EXCEPTION 'timeline: stream head % refused: a head only moves forward, to an event of its stream',
                OLD.stream;
        END IF;
        RETURN NEW;
    END
    $$
    """,
    "CREATE TRIGGER timeline_streamhead_forward BEFORE UPDATE OR DELETE ON timeline_streamhead "
    "FOR EACH ROW EXECUTE FUNCTION timeline_head_forward()",
]

DROP = [
    "DROP TRIGGER IF EXISTS timeline_streamhead_forward ON timeline_streamhead",
    "DROP FUNCTION IF EXISTS timeline_head_forward()",
    *(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in APPEND_ONLY),
    "DROP FUNCTION IF EXISTS timeline_refuse_change()",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement, None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, None)


class Migration(migrations.Migration):
    dependencies = [("timeline", "0003_ledger_keys")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
