"""The daily reports' JSON is compressed with LZ4 on PostgreSQL 14+ (where the server has it), not pglz.

A day's 127 reports are about 1 MB of JSON, written in one statement each morning (and again when a report is
regenerated); pglz spent about a quarter of that statement's time compressing them (1M hazards: 50 → 39 ms).
Rows already stored keep their compression until rewritten. Other databases: nothing to do.
"""

from django.db import migrations

SET_COMPRESSION = """
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        ALTER TABLE briefing_dailyreport ALTER COLUMN data SET COMPRESSION %s;
    END IF;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;  -- a server built without LZ4 keeps pglz
END $$;
"""


def compression(method):
    def set_compression(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(SET_COMPRESSION % method)

    return set_compression


class Migration(migrations.Migration):
    dependencies = [
        ("briefing", "0005_month_summaries"),
    ]

    operations = [migrations.RunPython(compression("lz4"), compression("pglz"), elidable=True)]
