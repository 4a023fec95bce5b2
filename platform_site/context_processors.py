from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# Sections the apps add to the navigation, shown once their pages exist.
_APP_NAV = (
    ("gallery:index", "gallery", "Photos"),
    ("chats:index", "chats", "Chats"),
    ("datasets:index", "datasets", "Datasets"),
)


def platform(request: HttpRequest) -> dict[str, Any]:
    nav = []
    for name, section, label in _APP_NAV:
        try:
            nav.append({"url": reverse(name), "section": section, "label": label})
        except NoReverseMatch:
            continue
    return {"oidc_enabled": settings.OIDC_ENABLED, "app_nav": nav}
