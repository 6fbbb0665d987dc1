"""The map's cells (closeout.map_cells) and the triggers that note the parcels they must count again.

Every write that can change a parcel's close-out state, open hazards, place, zone, risk level or code appends
the parcel's id to ``closeout_mapchange``; ``map_cells.catch_up`` folds them in. The writes: a parcel inserted, deleted or with one
of those columns changed; a hazard inserted, deleted, or with its status, withdrawal or parcel changed; a last
visit inserted or deleted (cases migration 0009 keeps them); a grid moved to another zone (all its parcels).
PostgreSQL notes inserts and deletes once per statement (a bulk load of a million hazards is one grouped insert);
SQLite per row. Existing parcels are noted once here: the first map folds them in.
"""

import django.db.models.deletion
from django.db import migrations, models



CHANGES = "closeout_mapchange"
# table, the parcel id of a row (as a column of it), the columns whose update matters ("": none)
SOURCES = (
    ("register_parcel", "id", ("grid_id", "latitude", "longitude", "risk_level", "closeout_state", "closed_out_at", "code")),
    ("cases_hazard", "parcel_id", ("status", "withdrawn", "parcel_id")),
    ("cases_parcelvisit", "parcel_id", ()),
)


def _changed(columns, distinct):
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def postgresql_sql():
    create, drop = [], []

    def function(name, body):
        create.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$;"
        )
        drop.append(f"DROP FUNCTION IF EXISTS {name}() CASCADE;")

    for table, unit, columns in SOURCES:
        for event, verb, rows in (("inserted", "INSERT", "new_rows"), ("deleted", "DELETE", "old_rows")):
            name = f"{table}_map_{event}"
            function(
                name,
                f"INSERT INTO {CHANGES} (parcel_id) SELECT DISTINCT {unit} FROM {rows} WHERE {unit} IS NOT NULL;",
            )
            create.append(
                f"CREATE TRIGGER {name} AFTER {verb} ON {table} "
                f"REFERENCING {'NEW' if rows == 'new_rows' else 'OLD'} TABLE AS {rows} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
            )
        if columns:
            name = f"{table}_map_updated"
            function(
                name,
                f"INSERT INTO {CHANGES} (parcel_id) SELECT DISTINCT u FROM (VALUES (OLD.{unit}), (NEW.{unit})) AS t (u) "
                "WHERE u IS NOT NULL;",
            )
            create.append(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(columns)} ON {table} FOR EACH ROW "
                f"WHEN ({_changed(columns, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {name}();"
            )
    function("register_grid_map_updated", f"INSERT INTO {CHANGES} (parcel_id) SELECT id FROM register_parcel WHERE grid_id = NEW.id;")
    create.append(
        "CREATE TRIGGER register_grid_map_updated AFTER UPDATE OF zone_id ON register_grid FOR EACH ROW "
        "WHEN (OLD.zone_id IS DISTINCT FROM NEW.zone_id) EXECUTE FUNCTION register_grid_map_updated();"
    )
    return create, drop


def sqlite_sql():
    create, drop = [], []
    for table, unit, columns in SOURCES:
        for event, verb, row in (("inserted", "INSERT", "NEW"), ("deleted", "DELETE", "OLD")):
            name = f"{table}_map_{event}"
            create.append(
                f"CREATE TRIGGER {name} AFTER {verb} ON {table} WHEN {row}.{unit} IS NOT NULL "
                f"BEGIN INSERT INTO {CHANGES} (parcel_id) VALUES ({row}.{unit}); END;"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {name};")
        if columns:
            name = f"{table}_map_updated"
            create.append(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(columns)} ON {table} "
                f"WHEN {_changed(columns, 'IS NOT')} BEGIN "
                f"INSERT INTO {CHANGES} (parcel_id) SELECT u FROM (SELECT OLD.{unit} AS u UNION SELECT NEW.{unit}) "
                "WHERE u IS NOT NULL; END;"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {name};")
    create.append(
        "CREATE TRIGGER register_grid_map_updated AFTER UPDATE OF zone_id ON register_grid "
        f"WHEN OLD.zone_id IS NOT NEW.zone_id BEGIN INSERT INTO {CHANGES} (parcel_id) "
        "SELECT id FROM register_parcel WHERE grid_id = NEW.id; END;"
    )
    drop.append("DROP TRIGGER IF EXISTS register_grid_map_updated;")
    return create, drop


def create_triggers(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    create, _drop = postgresql_sql() if postgresql else sqlite_sql()
    for sql in create:
        schema_editor.execute(sql)
    if postgresql:  # room in each page for a cell's next version: a change rewrites it in place (HOT)
        schema_editor.execute("ALTER TABLE closeout_mapcell SET (fillfactor = 50)")
    schema_editor.execute(f"INSERT INTO {CHANGES} (parcel_id) SELECT id FROM register_parcel")


def drop_triggers(apps, schema_editor):
    _create, drop = postgresql_sql() if schema_editor.connection.vendor == "postgresql" else sqlite_sql()
    for sql in drop:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0009_unit_last_visits'),
        ('closeout', '0002_crosscheck_cancelled_status'),
        ('register', '0006_parcel_risk_code_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='MapChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('parcel_id', models.BigIntegerField(verbose_name='宗地ID')),
            ],
            options={
                'verbose_name': '待计入地图的宗地变化',
                'verbose_name_plural': '待计入地图的宗地变化',
            },
        ),
        migrations.CreateModel(
            name='MapCell',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.SmallIntegerField(verbose_name='缩放级别')),
                ('row', models.IntegerField(verbose_name='行')),
                ('col', models.IntegerField(verbose_name='列')),
                ('state', models.CharField(max_length=16, verbose_name='销号状态')),
                ('risk_level', models.PositiveSmallIntegerField(verbose_name='风险等级')),
                ('n', models.IntegerField(verbose_name='宗地数')),
                ('located', models.IntegerField(verbose_name='有坐标的宗地数')),
                ('lat_sum', models.FloatField()),
                ('lng_sum', models.FloatField()),
                ('id_sum', models.BigIntegerField()),
                ('south', models.FloatField(null=True)),
                ('north', models.FloatField(null=True)),
                ('west', models.FloatField(null=True)),
                ('east', models.FloatField(null=True)),
                ('zone', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='register.zone', verbose_name='区块')),
            ],
            options={
                'verbose_name': '地图汇总格',
                'verbose_name_plural': '地图汇总格',
                'indexes': [models.Index(fields=['level', 'zone'], name='closeout_mapcell_level_idx')],
                'constraints': [models.UniqueConstraint(fields=('zone', 'level', 'row', 'col', 'state', 'risk_level'), name='closeout_mapcell_key')],
            },
        ),
        migrations.CreateModel(
            name='MapParcel',
            fields=[
                ('parcel', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='register.parcel', verbose_name='宗地')),
                ('state', models.CharField(max_length=16, verbose_name='销号状态')),
                ('risk_level', models.PositiveSmallIntegerField(verbose_name='风险等级')),
                ('latitude', models.FloatField(null=True, verbose_name='纬度')),
                ('longitude', models.FloatField(null=True, verbose_name='经度')),
                ('code', models.CharField(max_length=64, verbose_name='宗地编号')),
                ('open_hazards', models.PositiveIntegerField(verbose_name='未整改隐患')),
                ('zone', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='register.zone', verbose_name='区块')),
            ],
            options={
                'verbose_name': '地图计入的宗地',
                'verbose_name_plural': '地图计入的宗地',
                'indexes': [models.Index(fields=['zone', 'state', 'risk_level'], name='closeout_mapparcel_key_idx'), models.Index(models.OrderBy(models.F('open_hazards'), descending=True), models.F('code'), name='closeout_mapparcel_red_idx')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
