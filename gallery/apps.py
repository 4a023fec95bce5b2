from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = "Photos"

    def ready(self) -> None:
        from gallery import signals  # noqa: F401  (storage clean-up when photos are deleted)
