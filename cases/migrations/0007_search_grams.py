"""The search grams of tickets and hazards, kept by the database itself (PostgreSQL only; see cases.search).

Each ticket and hazard row gets ``search_grams text[]``: the two-character pieces (bigrams) of
every text its ``?q=`` search reads, upper-cased as Django's ``icontains`` compares them, each text on
its own (no piece spans two texts). A GIN index on it finds the rows holding every bigram of a search
term; a two-character Chinese word has no trigram, so pg_trgm cannot narrow ``LIKE '%五金%'`` and needs
no extension here.

- ticket: number, the enterprise's name and credit code, the parcel's code, name and landlord's name;
- hazard: number, description, location detail, the enterprise's name and credit code, the parcel's code
  and name.

These lists are cases.filtersets' ``search_fields``; tests/cases/test_search_index.py checks they agree.
Triggers fill the column on every INSERT (services, factories, the demo's ``bulk_create``) and on an
UPDATE that changes the number, a searched text or the unit; renaming an enterprise or a parcel
rewrites its tickets' and hazards' grams in the same statement's transaction. Existing rows are filled
here; ``manage.py rebuild_search`` fills them again (cases.search.rebuild_search_grams).

The column is not a model field: the ORM never reads or writes it (rows stay as they were in Python,
SQLite has no such column and searches as before).
"""

from django.db import migrations

# A row's grams as SQL over its own columns (the triggers read them from NEW), as cases.search.GRAMS_OF has them.
TICKET_GRAMS = "cases_case_grams(ARRAY[{p}number]::text[], {p}enterprise_id, {p}parcel_id, true)"
HAZARD_GRAMS = "cases_case_grams(ARRAY[{p}number, {p}description, {p}location_detail]::text[], {p}enterprise_id, {p}parcel_id, false)"

FUNCTIONS = [
    # Every 2-character piece of each text, upper-cased (NULL and 1-character texts add none). A piece may
    # come twice: GIN keeps each key once per row. PL/pgSQL: 5x faster than a set-returning SQL function
    # (18 against 80 us a hazard), and it runs on every insert.
    """
    CREATE OR REPLACE FUNCTION cases_bigrams(VARIADIC texts text[]) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    DECLARE
        t text;
        i int;
        grams text[] := '{}';
    BEGIN
        FOREACH t IN ARRAY texts LOOP
            t := upper(t);
            FOR i IN 1 .. coalesce(length(t), 0) - 1 LOOP
                grams := grams || substr(t, i, 2);
            END LOOP;
        END LOOP;
        RETURN grams;
    END
    $$
    """,
    # A case's grams: its own texts, its enterprise's name and credit code, its parcel's code and name, and
    # (a ticket's) the parcel's landlord.
    """
    CREATE OR REPLACE FUNCTION cases_case_grams(own text[], enterprise bigint, parcel bigint, landlord boolean)
    RETURNS text[] LANGUAGE plpgsql STABLE AS $$
    DECLARE
        e_name text;
        e_code text;
        p_code text;
        p_name text;
        p_landlord text;
    BEGIN
        SELECT e.name, e.credit_code INTO e_name, e_code FROM register_enterprise e WHERE e.id = enterprise;
        SELECT p.code, p.name, p.landlord_name INTO p_code, p_name, p_landlord FROM register_parcel p WHERE p.id = parcel;
        IF NOT landlord THEN
            p_landlord := NULL;
        END IF;
        RETURN cases_bigrams(VARIADIC own || ARRAY[e_name, e_code, p_code, p_name, p_landlord]);
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION cases_ticket_fill_grams() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_grams := {TICKET_GRAMS.format(p="NEW.")};
        RETURN NEW;
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION cases_hazard_fill_grams() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_grams := {HAZARD_GRAMS.format(p="NEW.")};
        RETURN NEW;
    END
    $$
    """,
    # A renamed unit: its cases' grams again, in the transaction of the rename (TG_ARGV[0]: the column).
    f"""
    CREATE OR REPLACE FUNCTION cases_unit_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        EXECUTE format('UPDATE cases_ticket SET search_grams = {TICKET_GRAMS.format(p="")} WHERE %I = $1', TG_ARGV[0])
        USING NEW.id;
        EXECUTE format('UPDATE cases_hazard SET search_grams = {HAZARD_GRAMS.format(p="")} WHERE %I = $1', TG_ARGV[0])
        USING NEW.id;
        RETURN NULL;
    END
    $$
    """,
]

COLUMNS = [
    f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_grams text[] NOT NULL DEFAULT '{{}}'"
    for table in ("cases_ticket", "cases_hazard")
]

# The rows filled by rewriting each table once (ALTER ... TYPE ... USING), then indexed: an UPDATE would
# leave every row's old version behind (twice the table), and an index built over those would not be used
# while any older transaction ran (pg_index.indcheckxmin). New rows' keys wait in GIN's pending list
# (fastupdate: an insert adds some 60 keys; written one by one they cost 7x more), which every search reads
# and the planner counts: it is kept small (256 kB, merged when full and by autovacuum), or a search would
# read up to 4 MB of it and the planner chose a full scan over freshly written rows.
FILL = [
    f"ALTER TABLE cases_ticket ALTER COLUMN search_grams TYPE text[] USING {TICKET_GRAMS.format(p='')}",
    f"ALTER TABLE cases_hazard ALTER COLUMN search_grams TYPE text[] USING {HAZARD_GRAMS.format(p='')}",
]

INDEXES = [
    "CREATE INDEX IF NOT EXISTS ticket_search_grams ON cases_ticket USING gin (search_grams) WITH (gin_pending_list_limit = 256)",
    "CREATE INDEX IF NOT EXISTS hazard_search_grams ON cases_hazard USING gin (search_grams) WITH (gin_pending_list_limit = 256)",
]

TRIGGERS = [
    "CREATE TRIGGER cases_ticket_grams_insert BEFORE INSERT ON cases_ticket "
    "FOR EACH ROW EXECUTE FUNCTION cases_ticket_fill_grams()",
    "CREATE TRIGGER cases_ticket_grams_update BEFORE UPDATE ON cases_ticket FOR EACH ROW "
    "WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.enterprise_id IS DISTINCT FROM NEW.enterprise_id "
    "OR OLD.parcel_id IS DISTINCT FROM NEW.parcel_id) "
    "EXECUTE FUNCTION cases_ticket_fill_grams()",
    "CREATE TRIGGER cases_hazard_grams_insert BEFORE INSERT ON cases_hazard "
    "FOR EACH ROW EXECUTE FUNCTION cases_hazard_fill_grams()",
    "CREATE TRIGGER cases_hazard_grams_update BEFORE UPDATE ON cases_hazard FOR EACH ROW "
    "WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.description IS DISTINCT FROM NEW.description "
    "OR OLD.location_detail IS DISTINCT FROM NEW.location_detail "
    "OR OLD.enterprise_id IS DISTINCT FROM NEW.enterprise_id OR OLD.parcel_id IS DISTINCT FROM NEW.parcel_id) "
    "EXECUTE FUNCTION cases_hazard_fill_grams()",
    "CREATE TRIGGER cases_enterprise_renamed AFTER UPDATE ON register_enterprise FOR EACH ROW "
    "WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.credit_code IS DISTINCT FROM NEW.credit_code) "
    "EXECUTE FUNCTION cases_unit_renamed('enterprise_id')",
    "CREATE TRIGGER cases_parcel_renamed AFTER UPDATE ON register_parcel FOR EACH ROW "
    "WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.name IS DISTINCT FROM NEW.name "
    "OR OLD.landlord_name IS DISTINCT FROM NEW.landlord_name) "
    "EXECUTE FUNCTION cases_unit_renamed('parcel_id')",
]

DROP = [
    "DROP TRIGGER IF EXISTS cases_parcel_renamed ON register_parcel",
    "DROP TRIGGER IF EXISTS cases_enterprise_renamed ON register_enterprise",
    "DROP TRIGGER IF EXISTS cases_hazard_grams_update ON cases_hazard",
    "DROP TRIGGER IF EXISTS cases_hazard_grams_insert ON cases_hazard",
    "DROP TRIGGER IF EXISTS cases_ticket_grams_update ON cases_ticket",
    "DROP TRIGGER IF EXISTS cases_ticket_grams_insert ON cases_ticket",
    "DROP FUNCTION IF EXISTS cases_unit_renamed()",
    "DROP FUNCTION IF EXISTS cases_hazard_fill_grams()",
    "DROP FUNCTION IF EXISTS cases_ticket_fill_grams()",
    "DROP FUNCTION IF EXISTS cases_case_grams(text[], bigint, bigint, boolean)",
    "DROP FUNCTION IF EXISTS cases_bigrams(text[])",
    "ALTER TABLE cases_hazard DROP COLUMN IF EXISTS search_grams",  # drops its index too
    "ALTER TABLE cases_ticket DROP COLUMN IF EXISTS search_grams",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql, params=None)  # as written: no placeholders (format() has its %I)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_checkin"),
        ("register", "0004_risk_level"),
    ]

    operations = [
        migrations.RunPython(
            run([*COLUMNS, *FUNCTIONS, *FILL, *INDEXES, *DROP[:6], *TRIGGERS]), run(DROP), elidable=False
        ),
    ]
