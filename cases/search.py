"""Ticket and hazard search (``?q=``) that an index serves on PostgreSQL, for Chinese words of two characters and more.

Django's ``icontains`` compiles to ``UPPER(col::text) LIKE UPPER('%五金%')``, which no plain index serves,
and pg_trgm cannot serve a two-character word either (it has no trigram). So each ticket and hazard row
carries ``search_grams``: the upper-cased two-character pieces (bigrams) of every text its search
reads (its ``search_fields``), in a GIN index; the database keeps it (cases/migrations/0007_search_grams:
triggers on insert, on a change of the texts or the unit, and on the rename of an enterprise or a parcel).

A term of two characters or more first keeps the rows whose grams hold every bigram of the term
(``search_grams @> cases_bigrams(term)``, the index). For exactly two characters that is the answer
itself: a text holds the term exactly when it holds that one bigram. A longer term is then checked with
the same ``icontains`` as before (holding every bigram does not make a substring). A one-character term,
and every term on SQLite (no column there), is searched with ``icontains`` alone, as before.
"""

from django.db import connections
from django.db.models import BooleanField, Expression

# The tables that carry the column, and the SQL that computes a row's grams (the migration's functions).
GRAMS_OF = {
    "cases_ticket": "cases_case_grams(ARRAY[number]::text[], enterprise_id, parcel_id, true)",
    "cases_hazard": "cases_case_grams(ARRAY[number, description, location_detail]::text[], enterprise_id, parcel_id, false)",
}


class HoldsBigrams(Expression):
    """``<the query's table>.search_grams @> cases_bigrams(term)``: true for the rows holding every bigram of ``term``."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, term):
        super().__init__()
        self.term = term

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.search_grams @> cases_bigrams(%s)", (self.term,)


def uses_grams(queryset):
    """Whether ``queryset``'s rows carry search grams (a ticket or hazard table on PostgreSQL)."""
    return connections[queryset.db].vendor == "postgresql" and queryset.model._meta.db_table in GRAMS_OF


def search(queryset, term, exact_q):
    """The rows of ``queryset`` matching ``term``, where ``exact_q`` is the plain ``icontains`` search (a Q)."""
    if len(term) >= 2 and uses_grams(queryset):
        queryset = queryset.filter(HoldsBigrams(term))
        if len(term) == 2:
            return queryset
    return queryset.filter(exact_q)


def rebuild_search_grams(using="default"):
    """Compute every ticket's and hazard's grams again (PostgreSQL); the number of rows per table, {} elsewhere."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return {}
    counts = {}
    with connection.cursor() as cursor:
        for table, grams in GRAMS_OF.items():
            cursor.execute(
                f"UPDATE {table} SET search_grams = {grams} WHERE search_grams IS DISTINCT FROM {grams}"  # noqa: S608
            )
            counts[table] = cursor.rowcount
    return counts


class IndexedSearchMixin:
    """A ticket or hazard FilterSet's ``q``, served by the search grams (core.filtersets.ScopedFilterSet's otherwise)."""

    def search(self, queryset, name, value):
        term = (value or "").strip()
        return search(queryset, term, self.search_q(term)) if term else queryset
