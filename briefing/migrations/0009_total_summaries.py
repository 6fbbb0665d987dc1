"""Totals of the month summaries (every summarised day per grid, per zone and category), filled from the months."""

from django.db import migrations, models
from django.db.models import Min, Sum


def fill(apps, schema_editor):
    """The totals of the months summarised so far (``summaries._roll_up`` keeps them from now on)."""
    for month_name, total_name, keys in (
        ("MonthSummary", "TotalSummary", ("zone_id", "grid_id")),
        ("CategoryMonthSummary", "CategoryTotalSummary", ("zone_id", "category_id")),
    ):
        month_model, total_model = apps.get_model("briefing", month_name), apps.get_model("briefing", total_name)
        counters = [f.name for f in total_model._meta.fields if f.name not in ("id", *keys)]
        sums = {name: Min(name) if name == "first_reported_at" else Sum(name) for name in counters}
        rows = month_model.objects.values(*keys).annotate(**sums).order_by()
        total_model.objects.bulk_create([total_model(**row) for row in rows], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('briefing', '0008_record_tallies'),
    ]

    operations = [
        migrations.CreateModel(
            name='CategoryTotalSummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('zone_id', models.IntegerField(verbose_name='区块')),
                ('category_id', models.IntegerField(verbose_name='隐患类别')),
                ('found', models.PositiveIntegerField(default=0)),
                ('rectified', models.PositiveIntegerField(default=0)),
                ('major', models.PositiveIntegerField(default=0)),
            ],
            options={
                'verbose_name': '类别累计汇总',
                'verbose_name_plural': '类别累计汇总',
                'constraints': [models.UniqueConstraint(fields=('zone_id', 'category_id'), name='category_total_once')],
            },
        ),
        migrations.CreateModel(
            name='TotalSummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('zone_id', models.IntegerField(verbose_name='区块')),
                ('grid_id', models.IntegerField(verbose_name='网格')),
                ('found_general', models.PositiveIntegerField(default=0)),
                ('found_major', models.PositiveIntegerField(default=0)),
                ('rectified_general', models.PositiveIntegerField(default=0)),
                ('rectified_major', models.PositiveIntegerField(default=0)),
                ('first_reported_at', models.DateTimeField(blank=True, null=True)),
                ('voided', models.PositiveIntegerField(default=0)),
                ('fixed_general', models.PositiveIntegerField(default=0)),
                ('fixed_major', models.PositiveIntegerField(default=0)),
                ('inspections', models.PositiveIntegerField(default=0)),
                ('units_day_grid', models.PositiveIntegerField(default=0)),
                ('units_day_zone', models.PositiveIntegerField(default=0)),
                ('units_day_all', models.PositiveIntegerField(default=0)),
                ('units_first_grid', models.PositiveIntegerField(default=0)),
                ('units_first_zone', models.PositiveIntegerField(default=0)),
                ('units_first_all', models.PositiveIntegerField(default=0)),
                ('escalations', models.PositiveIntegerField(default=0)),
            ],
            options={
                'verbose_name': '累计汇总',
                'verbose_name_plural': '累计汇总',
                'constraints': [models.UniqueConstraint(fields=('zone_id', 'grid_id'), name='total_summary_once_per_grid')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
