import logging
from typing import cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import redirect
from django.urls import include, path
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from platform_site.health import liveness, ready
from platform_site.oidc import DiscoveryError

log = logging.getLogger(__name__)


@login_not_required
def login(request: HttpRequest) -> HttpResponseBase:
    """Sign-in: the provider's page when OIDC is configured, local accounts otherwise. With OIDC,
    passwords are taken only when LOCAL_SIGN_IN is on and ``?local=1`` asks for the form."""
    if settings.OIDC_ENABLED and not (settings.LOCAL_SIGN_IN and "local" in request.GET):
        response = redirect("oidc_authentication_init")
        if request.GET.get("next"):
            response["Location"] += "?" + urlencode({"next": request.GET["next"]})
        return response
    return auth_views.LoginView.as_view(redirect_authenticated_user=True)(request)


@login_not_required
def admin_login(request: HttpRequest) -> HttpResponseBase:
    """The admin's own password form only where local sign-in is on; else the site's sign-in."""
    if settings.OIDC_ENABLED and not settings.LOCAL_SIGN_IN:
        return redirect_to_login(request.GET.get("next", "/admin/"))
    return cast(HttpResponseBase, admin.site.login(request))


_start_sign_in = OIDCAuthenticationRequestView.as_view()


@login_not_required
def start_sign_in(request: HttpRequest) -> HttpResponseBase:
    """Redirect to the provider; a provider that cannot be reached is a 503, not a crash."""
    try:
        return cast(HttpResponseBase, _start_sign_in(request))
    except DiscoveryError:
        log.exception("sign-in provider unreachable")
        return HttpResponse(
            "The sign-in provider cannot be reached. Try again in a minute.",
            status=503,
            content_type="text/plain",
        )


def home(request: HttpRequest) -> HttpResponse:
    return redirect("library")


def moved_dataset_admin(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Datasets left the ingestion app: old admin links (bookmarks, history) still arrive."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(
        f"/admin/datasets/dataset/{rest}" + (f"?{query}" if query else "")
    )


urlpatterns = [
    path("", home, name="home"),
    path("healthz", liveness, name="healthz"),
    path("healthz/ready", ready, name="readiness"),
    path("accounts/login/", login, name="login"),
    path("accounts/logout/", OIDCLogoutView.as_view(), name="logout"),
    path("oidc/authenticate/", start_sign_in, name="oidc_authentication_init"),
    path(
        "oidc/callback/",
        login_not_required(OIDCAuthenticationCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path("admin/ingestion/dataset/", moved_dataset_admin),
    path("admin/ingestion/dataset/<path:rest>", moved_dataset_admin),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("", include("gallery.urls")),
    path("", include("datasets.urls")),
    path("", include("chats.urls")),
    path("", include("ingestion.urls")),
]

# JSON APIs answer JSON even for a path that does not exist (platform_site.errors).
handler404 = "platform_site.errors.not_found"
handler500 = "platform_site.errors.server_error"
