"""The Dataset model now lives in the datasets app (state only; the table stays)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ingestion", "0003_dataset"),
        ("datasets", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Dataset")],
            database_operations=[],
        ),
    ]
