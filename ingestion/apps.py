from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class IngestionConfig(AppConfig):
    name = "ingestion"
    verbose_name = "Ingestion and file library"

    def ready(self) -> None:
        autodiscover_modules("links")  # each app's links.py says where its results are
        from ingestion import signals  # noqa: F401  (a deleted account's files go with it)
