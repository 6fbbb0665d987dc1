"""The map's cells count the parcels under cross-check and closed out (their stored close-out state) on the zones'
rows, for the dashboard's parcel figures (closeout.map_cells.zone_states). Every parcel is counted again at the
next fold (or ``rebuild_summaries``): the cells are emptied and every parcel noted."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('closeout', '0003_map_cells'),
    ]

    operations = [
        migrations.AddField(
            model_name='mapcell',
            name='closed_out',
            field=models.IntegerField(default=0, verbose_name='已销号'),
        ),
        migrations.AddField(
            model_name='mapcell',
            name='crosscheck',
            field=models.IntegerField(default=0, verbose_name='交叉检查中'),
        ),
        migrations.AddField(
            model_name='mapparcel',
            name='closed_out',
            field=models.BooleanField(default=False, verbose_name='已销号'),
        ),
        migrations.AddField(
            model_name='mapparcel',
            name='crosscheck',
            field=models.BooleanField(default=False, verbose_name='交叉检查中'),
        ),
        migrations.RunSQL(
            [
                "DELETE FROM closeout_mapcell",
                "DELETE FROM closeout_mapparcel",
                "DELETE FROM closeout_mapchange",
                "INSERT INTO closeout_mapchange (parcel_id) SELECT id FROM register_parcel",
            ],
            migrations.RunSQL.noop,
        ),
    ]
