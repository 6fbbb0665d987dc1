"""Counts kept as their rows change, by noting and folding: the one mechanism behind the map's cells
(``closeout.map_cells``) and the units' tallies (``briefing.unit_tally``).

* **Noting.** The database's triggers append the key of every row whose counted state may have changed to a
  notes table. A workflow's transaction writes nothing shared: many can commit at once.
* **Folding.** One reader at a time (``lock``) takes the notes (``take_notes``), computes those rows again,
  compares them with what the counts last counted for them (a table of one row per counted row), and adds the
  differences to the counts in one upsert (``add``). Others read the counts as they are, a moment behind.
* **Rebuilding.** Everything counted again from nothing, under the same lock (waiting for it); a check
  rebuilds in a savepoint, compares and rolls back.
"""

import json

from django.db import connection

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
