"""Counts kept as their rows change, by noting and folding: the one mechanism behind the map's cells
(``closeout.map_cells``) and the tallies of the units and of the campaign ledgers' records (``briefing.unit_tally``,
``briefing.record_tally``).

* **Noting.** The database's triggers append the key of every row whose counted state may have changed to a
  notes table. A workflow's transaction writes nothing shared: many can commit at once.
* **Folding.** One reader at a time (``lock``) takes the notes (``take_notes``), computes those rows again,
  compares them with what the counts last counted for them (a table of one row per counted row), and adds the
  differences to the counts in one upsert (``add``). Others read the counts as they are, a moment behind.
* **Rebuilding.** Everything counted again from nothing, under the same lock (waiting for it); a check
  rebuilds in a savepoint, compares and rolls back.
"""

import json
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import BooleanField, Case, Value, When

from core.queries import chunks

UPSERT_PARAMETERS = 990  # per upsert on SQLite (the oldest takes 999)


def lock(key, *, wait):
    """The one folder's lock on PostgreSQL (advisory, to the end of the transaction): whether it was taken.
    ``wait``: wait for it (a rebuild) rather than give up (a fold). SQLite writes one transaction at a time."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {'pg_advisory_xact_lock' if wait else 'pg_try_advisory_xact_lock'}(%s)", [key])
        return wait or cursor.fetchone()[0]


def take_notes(model, *fields):
    """The notes of ``model`` (its ``fields``, distinct and sorted: values when one field, else tuples), deleted.
    The notes read are the ones deleted: one that a transaction commits meanwhile waits for the next fold."""
    notes = list(model.objects.values_list("pk", *fields))
    for chunk in chunks(pk for pk, *_rest in notes):
        model.objects.filter(pk__in=chunk).delete()
    if len(fields) == 1:
        return sorted({note[1] for note in notes})
    return sorted({tuple(note[1:]) for note in notes})


def add(table, key, columns, sql_types, rows, *, sums=None, merges=()):
    """Add ``rows`` (``[(key values, column values)]``) to ``table``: one upsert (per batch on SQLite). On a key
    already there, the ``sums`` columns (default: all ``columns``) add up; ``merges`` are more ``SET`` clauses
    (``excluded.<column>`` is the row sent, ``<table>.<column>`` the one stored). ``sql_types``: of the key
    then the columns, as PostgreSQL names them. A count that falls to 0 stays (readers skip it)."""
    if not rows:
        return
    names = ", ".join((*key, *columns))
    sets = [f"{c} = {table}.{c} + excluded.{c}" for c in (columns if sums is None else sums)]
    upsert = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join([*sets, *merges])}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the rows as one JSON array: a statement of any size, parsed at once
            values = ", ".join(f"(r->>{i})::{kind}" for i, kind in enumerate(sql_types))
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {values} FROM json_array_elements(%s::json) r {upsert}",
                [json.dumps([(*k, *v) for k, v in rows], default=str)],
            )
            return
        width = len(sql_types)
        for chunk in chunks(rows, UPSERT_PARAMETERS // width):
            values = ", ".join([f"({', '.join(['%s'] * width)})"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values} {upsert}", [v for k, d in chunk for v in (*k, *d)]
            )


class Tally:
    """Counts kept by noting and folding, of rows of several kinds (``kinds``: kind → the model counted).

    A subclass names its tables: ``changes`` (the notes: ``kind`` and ``ref``), ``states`` (what the counts last
    counted for each row: ``kind``, ``ref`` and the ``stored`` fields) and ``counts`` (``key`` columns, then the
    ``columns`` counted, typed ``sql_types``), and says how a row is counted: ``fresh`` (the rows as they are
    now, as ``stored`` tuples) and ``contribution`` (the counts a stored tuple adds to). ``catch_up`` folds the
    noted rows in, ``rebuild`` counts everything again, ``check`` compares."""

    lock_key = 0
    kinds = {}
    changes = states = counts = None
    ref = "ref_id"
    stored = ()
    key = ()
    columns = ()
    sql_types = ()

    def fresh(self, kind, ids):
        raise NotImplementedError

    def contribution(self, kind, row):
        raise NotImplementedError

    def expand(self, ids):
        """More rows to compute again with the noted ones (``ids``: kind → sorted ids): none by default."""
        return ids

    def stale(self):
        """Whether the counts must be counted again from nothing (e.g. a new year): no by default."""
        return False

    def catch_up(self):
        """Fold the rows noted since the last call in; returns how many were computed again (all of them when
        ``stale``). One folder at a time: another returns 0 at once and its readers read the counts as they are."""
        with transaction.atomic():
            if not lock(self.lock_key, wait=False):
                return 0
            if self.stale():
                return self._count_all()
            notes = take_notes(self.changes, "kind", self.ref)
            ids = self.expand({kind: sorted({pk for k, pk in notes if k == kind}) for kind in self.kinds})
            for kind, pks in ids.items():
                for chunk in chunks(pks):
                    self.refresh(kind, chunk)
        return sum(len(pks) for pks in ids.values())

    def rebuild(self):
        """Count every row again, from nothing; returns the count rows written. Waits for a fold under way."""
        with transaction.atomic():
            lock(self.lock_key, wait=True)
            self._count_all()
            return self.counts.objects.count()

    def _count_all(self):
        for model in (self.changes, self.states, self.counts):
            model.objects.all().delete()
        total = 0
        for kind, model in self.kinds.items():
            for chunk in chunks(model.objects.order_by("pk").values_list("pk", flat=True)):
                self.refresh(kind, chunk)
                total += len(chunk)
        return total

    def check(self):
        """The count rows that differ from a fresh count: ``[(key, stored, fresh)]``, empty when they agree.
        Changes nothing (the fresh count is made in a savepoint and rolled back)."""
        with transaction.atomic():
            self.catch_up()
            stored = self._all_rows()
            before_rebuild = transaction.savepoint()
            self.rebuild()
            fresh = self._all_rows()
            transaction.savepoint_rollback(before_rebuild)
        keys = sorted(stored.keys() | fresh.keys(), key=str)
        return [(key, stored.get(key), fresh.get(key)) for key in keys if stored.get(key) != fresh.get(key)]

    def _all_rows(self):
        width = len(self.key)
        rows = self.counts.objects.values_list(*self.key, *self.columns)
        return {row[:width]: row[width:] for row in rows if any(row[width:])}

    def refresh(self, kind, ids):
        """Compute the rows ``ids`` of ``kind`` again and move those that changed between counts: two statements
        when none changed (or three, as ``fresh`` reads); else an upsert of the counts and their states
        rewritten."""
        stored = {
            row[0]: tuple(row[1:])
            for row in self.states.objects.filter(kind=kind, **{f"{self.ref}__in": ids}).values_list(
                self.ref, *self.stored
            )
        }
        fresh = self.fresh(kind, ids)
        changed = [pk for pk in ids if stored.get(pk) != fresh.get(pk)]
        if not changed:
            return
        deltas = defaultdict(lambda: [0] * len(self.columns))
        for pk in changed:
            for sign, row in ((-1, stored.get(pk)), (1, fresh.get(pk))):
                for key, counts in () if row is None else self.contribution(kind, row):
                    delta = deltas[key]
                    for i, value in enumerate(counts):
                        delta[i] += sign * value
        rows = [(key, delta) for key, delta in sorted(deltas.items(), key=lambda item: str(item[0])) if any(delta)]
        add(self.counts._meta.db_table, self.key, self.columns, self.sql_types, rows)
        self.states.objects.filter(kind=kind, **{f"{self.ref}__in": changed}).delete()
        self.states.objects.bulk_create(
            self.states(kind=kind, **{self.ref: pk}, **dict(zip(self.stored, row, strict=True)))
            for pk in changed
            if (row := fresh.get(pk)) is not None
        )


# --- the triggers that note ----------------------------------------------------------------------------------


def _changed(columns, distinct):
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def _noted(refs, rows):
    """The (kind, id) that ``rows`` (a transition table, or ``OLD.``/``NEW.``) name, not null: a SELECT."""
    row = rows.endswith(".")
    parts = " UNION ALL ".join(
        f"SELECT '{kind}' AS k, {rows if row else ''}{column} AS u{'' if row else f' FROM {rows}'}"
        for kind, column in refs
    )
    return f"SELECT DISTINCT k, u FROM ({parts}) t WHERE u IS NOT NULL"


def note_triggers(vendor, changes, ref, sources, *, suffix):
    """``(create, drop)``: the SQL of the triggers that append (kind, id) to the notes table ``changes`` (its id
    column ``ref``) for a migration to run. ``sources``: ``(table, refs, columns, also)``, where ``refs`` are the
    (kind, column) a row of ``table`` names (noted on insert and delete, and before and after an update of one of
    ``columns``), ``also`` a SELECT of more (kind, id) to note on such an update (``NEW.`` names the row), or None.
    Trigger names end in ``suffix``. PostgreSQL notes inserts and deletes once per statement (transition tables),
    SQLite per row."""
    create, drop = [], []
    insert = f"INSERT INTO {changes} (kind, {ref})"
    postgresql = vendor == "postgresql"
    for table, refs, columns, also in sources:
        events = (("inserted", "INSERT", "new_rows", "NEW."), ("deleted", "DELETE", "old_rows", "OLD."))
        for event, verb, rows, row in events if refs else ():
            name = f"{table}_{suffix}_{event}"
            if postgresql:
                create.append(
                    f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"{insert} {_noted(refs, rows)}; RETURN NULL; END $$;"
                )
                create.append(
                    f"CREATE TRIGGER {name} AFTER {verb} ON {table} REFERENCING {row[:3]} TABLE AS {rows} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
                )
                drop.append(f"DROP FUNCTION IF EXISTS {name}() CASCADE;")
            else:
                create.append(f"CREATE TRIGGER {name} AFTER {verb} ON {table} BEGIN {insert} {_noted(refs, row)}; END;")
                drop.append(f"DROP TRIGGER IF EXISTS {name};")
        if not columns:
            continue
        name = f"{table}_{suffix}_updated"
        body = f"{insert} {_noted(refs, 'OLD.')} UNION {_noted(refs, 'NEW.')};" if refs else ""
        body += f" {insert} {also};" if also else ""
        if postgresql:
            create.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} "
                "RETURN NULL; END $$;"
            )
            create.append(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(columns)} ON {table} FOR EACH ROW "
                f"WHEN ({_changed(columns, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {name}();"
            )
            drop.append(f"DROP FUNCTION IF EXISTS {name}() CASCADE;")
        else:
            create.append(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(columns)} ON {table} "
                f"WHEN {_changed(columns, 'IS NOT')} BEGIN {body} END;"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {name};")
    return create, drop


def flag(condition):
    """``condition`` (a Q) as a boolean annotation."""
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def noting(changes, ref, sources, *, suffix, counts, existing):
    """The migration operation that installs ``note_triggers`` (and drops them when reversed), leaves room in each
    page of the ``counts`` table for a row's next version on PostgreSQL (a change rewrites it in place: HOT), and
    notes every row already there (``existing``: kind → table), for the first fold to count."""
    from django.db import migrations

    def create(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in note_triggers(vendor, changes, ref, sources, suffix=suffix)[0]:
            schema_editor.execute(sql)
        if vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {counts} SET (fillfactor = 50)")
        rows = " UNION ALL ".join(f"SELECT '{kind}', id FROM {table}" for kind, table in existing.items())
        schema_editor.execute(f"INSERT INTO {changes} (kind, {ref}) {rows}")

    def drop(apps, schema_editor):
        for sql in note_triggers(schema_editor.connection.vendor, changes, ref, sources, suffix=suffix)[1]:
            schema_editor.execute(sql)

    return migrations.RunPython(create, drop)
