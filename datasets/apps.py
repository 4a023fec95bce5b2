from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "datasets"
    verbose_name = "CSV datasets"

    def ready(self) -> None:
        from datasets.pipeline import forget_dataset
        from ingestion import deletion
        from ingestion.routing import Kind

        deletion.register(Kind.CSV, forget_dataset)
