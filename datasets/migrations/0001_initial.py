"""The Dataset model moves here from ingestion: state only, the table keeps its name."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor):
    # Admin history and permissions follow the model to its new app.
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="ingestion", model="dataset").update(app_label="datasets")


def restore_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="datasets", model="dataset").update(app_label="ingestion")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("ingestion", "0003_dataset"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Dataset",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=512)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("success", "Success"),
                                    ("error", "Error"),
                                ],
                                default="pending",
                                max_length=16,
                            ),
                        ),
                        ("error_message", models.TextField(blank=True)),
                        ("row_count", models.BigIntegerField(blank=True, null=True)),
                        ("column_count", models.IntegerField(blank=True, null=True)),
                        ("issue_count", models.IntegerField(blank=True, null=True)),
                        ("encoding", models.CharField(blank=True, max_length=32)),
                        ("delimiter", models.CharField(blank=True, max_length=8)),
                        ("summary_key", models.CharField(blank=True, max_length=1024)),
                        ("profile", models.JSONField(blank=True, default=dict)),
                        ("processed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "created_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="datasets",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "source",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="dataset",
                                to="ingestion.storedobject",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "ingestion_dataset",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["owner", "-created_at"],
                                name="ingestion_d_owner_i_7c2c4c_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_type, restore_content_type),
    ]
