from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
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

from platform_site.health import healthz


@login_not_required
def login(request: HttpRequest) -> HttpResponseBase:
    """Sign-in: the provider's page when OIDC is configured, local accounts otherwise."""
    if settings.OIDC_ENABLED and "local" not in request.GET:
        response = redirect("oidc_authentication_init")
        if request.GET.get("next"):
            response["Location"] += "?" + urlencode({"next": request.GET["next"]})
        return response
    return auth_views.LoginView.as_view(redirect_authenticated_user=True)(request)


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
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", login, name="login"),
    path("accounts/logout/", OIDCLogoutView.as_view(), name="logout"),
    path(
        "oidc/authenticate/",
        login_not_required(OIDCAuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        login_not_required(OIDCAuthenticationCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path("admin/ingestion/dataset/", moved_dataset_admin),
    path("admin/ingestion/dataset/<path:rest>", moved_dataset_admin),
    path("admin/", admin.site.urls),
    path("", include("gallery.urls")),
    path("", include("datasets.urls")),
    path("", include("chats.urls")),
    path("", include("ingestion.urls")),
]
