"""Each unit's last visit (cases.models.EnterpriseVisit, ParcelVisit), kept by the database's triggers.

A visit is an inspection recorded at the unit or a hazard reported at it (cases.annotations): its time is
``inspected_at`` or ``reported_at``, its units the row's ``enterprise_id`` and ``parcel_id``. The triggers:

- insert: the new rows' latest time per unit raises the unit's last visit (PostgreSQL: once per statement
  over its transition table, so a bulk insert of a million hazards is one grouped upsert; SQLite: per row);
- an update that moves a row to another unit or time, and a delete: the units concerned are counted again
  from both tables (their (unit, time) indexes);
- existing rows are counted here, once.

The ORM never writes these tables; tests/cases/test_unit_visits.py holds them to the rows.
"""

import django.db.models.deletion
from django.db import migrations, models


SOURCES = (("cases_inspection", "inspected_at"), ("cases_hazard", "reported_at"))
UNITS = (("cases_enterprisevisit", "enterprise_id"), ("cases_parcelvisit", "parcel_id"))


def recount(units_of):
    """SQL counting again the last visits of the units ``units_of(unit column)`` lists (an IN list or query)."""
    parts = []
    for visit, unit in UNITS:
        units = units_of(unit)
        times = " UNION ALL ".join(
            f"SELECT {unit} AS u, {time} AS t FROM {table} WHERE {unit} IN ({units})" for table, time in SOURCES
        )
        parts.append(f"DELETE FROM {visit} WHERE {unit} IN ({units});")
        parts.append(f"INSERT INTO {visit} ({unit}, at) SELECT u, MAX(t) FROM ({times}) visits GROUP BY u;")
    return "\n".join(parts)


def backfill():
    return recount(lambda unit: f"SELECT {unit} FROM {SOURCES[0][0]} UNION SELECT {unit} FROM {SOURCES[1][0]}")


def moved(time):
    return f"OLD.enterprise_id IS DISTINCT FROM NEW.enterprise_id OR OLD.parcel_id IS DISTINCT FROM NEW.parcel_id OR OLD.{time} IS DISTINCT FROM NEW.{time}"


def postgresql_sql():
    create, drop = [], []
    for table, time in SOURCES:
        inserted = "\n".join(
            f"INSERT INTO {visit} ({unit}, at) SELECT {unit}, MAX({time}) FROM new_rows WHERE {unit} IS NOT NULL "
            f"GROUP BY {unit} ON CONFLICT ({unit}) DO UPDATE SET at = GREATEST({visit}.at, EXCLUDED.at);"
            for visit, unit in UNITS
        )
        changed = recount(lambda unit: f"OLD.{unit}, NEW.{unit}")
        deleted = recount(lambda unit: f"SELECT {unit} FROM old_rows")
        for event, body, level in (
            ("inserted", inserted, "STATEMENT"),
            ("moved", changed, "ROW"),
            ("deleted", deleted, "STATEMENT"),
        ):
            name = f"{table}_visits_{event}"
            create.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$;"
            )
            drop.append(f"DROP FUNCTION IF EXISTS {name}() CASCADE;")
        create.append(
            f"CREATE TRIGGER {table}_visits_inserted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_visits_inserted();"
        )
        create.append(
            f"CREATE TRIGGER {table}_visits_moved AFTER UPDATE ON {table} FOR EACH ROW WHEN ({moved(time)}) "
            f"EXECUTE FUNCTION {table}_visits_moved();"
        )
        create.append(
            f"CREATE TRIGGER {table}_visits_deleted AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_visits_deleted();"
        )
    return create, drop


def sqlite_sql():
    create, drop = [], []
    for table, time in SOURCES:
        inserted = "\n".join(
            f"INSERT INTO {visit} ({unit}, at) SELECT NEW.{unit}, NEW.{time} WHERE NEW.{unit} IS NOT NULL "
            f"ON CONFLICT ({unit}) DO UPDATE SET at = MAX(at, excluded.at);"
            for visit, unit in UNITS
        )
        changed = recount(lambda unit: f"OLD.{unit}, NEW.{unit}")
        deleted = recount(lambda unit: f"OLD.{unit}")
        create += [
            f"CREATE TRIGGER {table}_visits_inserted AFTER INSERT ON {table} BEGIN {inserted} END;",
            f"CREATE TRIGGER {table}_visits_moved AFTER UPDATE ON {table} WHEN {moved(time).replace('IS DISTINCT FROM', 'IS NOT')} BEGIN {changed} END;",
            f"CREATE TRIGGER {table}_visits_deleted AFTER DELETE ON {table} BEGIN {deleted} END;",
        ]
        drop += [f"DROP TRIGGER IF EXISTS {table}_visits_{event};" for event in ("inserted", "moved", "deleted")]
    return create, drop


def statements(vendor):
    return postgresql_sql() if vendor == "postgresql" else sqlite_sql()


def create_triggers(apps, schema_editor):
    create, _drop = statements(schema_editor.connection.vendor)
    for sql in [*create, backfill()]:
        for statement in _split(sql, schema_editor.connection.vendor):
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    _create, drop = statements(schema_editor.connection.vendor)
    for sql in drop:
        schema_editor.execute(sql)


def _split(sql, vendor):
    """The backfill is several statements (one each for SQLite); a trigger or function is one."""
    if sql.startswith("CREATE"):
        return [sql]
    return [part.strip() + ";" for part in sql.split(";") if part.strip()]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_unit_time_indexes"),
        ("register", "0005_parcel_lat_lng_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="EnterpriseVisit",
            fields=[
                (
                    "enterprise",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="latest_visit",
                        serialize=False,
                        to="register.enterprise",
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="最近走访时间")),
            ],
            options={
                "verbose_name": "单位最近走访",
                "verbose_name_plural": "单位最近走访",
            },
        ),
        migrations.CreateModel(
            name="ParcelVisit",
            fields=[
                (
                    "parcel",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="latest_visit",
                        serialize=False,
                        to="register.parcel",
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="最近走访时间")),
            ],
            options={
                "verbose_name": "宗地最近走访",
                "verbose_name_plural": "宗地最近走访",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
