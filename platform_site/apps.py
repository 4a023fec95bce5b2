from django.apps import AppConfig


class PlatformSiteConfig(AppConfig):
    name = "platform_site"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.core.checks import register

        from platform_site import oidc

        register(oidc.provider_reachable)
