"""Refill the units' last visits (``EnterpriseVisit``, ``ParcelVisit``) from the inspections and hazards.

The database's triggers keep the two tables (migration 0009); this is for after a bulk load (``seed_demo``):
each of its insert statements raised the last visits of thousands of units, and PostgreSQL keeps every
replaced row version until a vacuum, which frees them but does not shrink the file. After a million hazards
the tables held 16 times the pages of their rows, and every scan of them (patrol coverage, the map's close-out
states) read the dead pages too. Emptied (``TRUNCATE``: a new file) and filled again by one grouped statement
each, they hold their rows alone. The same rows as the triggers', by their rule (tests/cases/test_unit_visits.py).
"""

from django.db import connection

from cases.models import EnterpriseVisit, Hazard, Inspection, ParcelVisit

SOURCES = ((Inspection, "inspected_at"), (Hazard, "reported_at"))


def refill_unit_visits():
    """Empty both tables and count every unit's last visit again. Returns the rows written per table."""
    written = {}
    with connection.cursor() as cursor:
        for model, unit in ((EnterpriseVisit, "enterprise_id"), (ParcelVisit, "parcel_id")):
            table = model._meta.db_table
            cursor.execute(f"TRUNCATE {table}" if connection.vendor == "postgresql" else f"DELETE FROM {table}")
            visits = " UNION ALL ".join(
                f"SELECT {unit} AS u, {time} AS t FROM {source._meta.db_table} WHERE {unit} IS NOT NULL"
                for source, time in SOURCES
            )
            cursor.execute(f"INSERT INTO {table} ({unit}, at) SELECT u, MAX(t) FROM ({visits}) visits GROUP BY u")
            written[model._meta.model_name] = cursor.rowcount
    return written
