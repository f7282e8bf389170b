"""The database cache table: where the default cache (rate limits included) falls back
while Redis is unreachable (miiwrap/cache.py). The same table `manage.py
createcachetable` would make for the "database" cache in settings."""

from django.db import migrations

TABLE = "miiwrap_cache"


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(
            sql=[
                f"""CREATE TABLE "{TABLE}" (
                    "cache_key" varchar(255) NOT NULL PRIMARY KEY,
                    "value" text NOT NULL,
                    "expires" timestamp with time zone NOT NULL
                )""",
                f'CREATE INDEX "{TABLE}_expires" ON "{TABLE}" ("expires")',
            ],
            reverse_sql=[f'DROP TABLE "{TABLE}"'],
        )
    ]
