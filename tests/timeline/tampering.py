"""Tests that play an insider who rewrites the ledger in the database: on PostgreSQL the ledger's triggers
(timeline migration 0004) refuse UPDATE and DELETE, so ``as_superuser()`` disables them for the block, as
a database superuser could; SQLite has no such triggers."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def as_superuser():
    """On PostgreSQL, ``session_replication_role = replica`` for the block: no user trigger fires (a
    superuser's setting; the tests connect as one)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def tamper(statement, params=()):
    """One raw SQL statement with the ledger's triggers out of the way."""
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute(statement, params)
