from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = "Photos"

    def ready(self) -> None:
        from gallery import signals  # noqa: F401  (storage clean-up when photos are deleted)
        from gallery.pipeline import forget_photo
        from ingestion import deletion
        from ingestion.routing import Kind

        deletion.register(Kind.PHOTO, forget_photo)
