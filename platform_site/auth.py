"""Sign-in: OpenID Connect through mozilla-django-oidc (Cognito or any provider), local accounts
otherwise, and the JSON APIs' own rule (401 JSON, session or ``Authorization: Bearer <ID token>``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

log = logging.getLogger(__name__)
User = get_user_model()


class OIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Users are keyed by the provider's ``sub`` claim; name, email and staff status follow the
    claims at every sign-in (staff: a group of OIDC_STAFF_GROUPS in the OIDC_GROUPS_CLAIM)."""

    def get_userinfo(self, access_token: Any, id_token: Any, payload: dict[str, Any]) -> Any:
        # Cognito puts groups in the ID token only, not in its userinfo answer: read both.
        userinfo = super().get_userinfo(access_token, id_token, payload)
        return {**payload, **(userinfo or {})}

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        sub = claims.get("sub")
        if not sub:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(username=sub)

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub"))

    def create_user(self, claims: dict[str, Any]) -> Any:
        user = self.UserModel(username=claims["sub"])
        user.set_unusable_password()
        self._apply_claims(user, claims)
        user.save()
        return user

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        if self._apply_claims(user, claims):
            user.save()
        return user

    @staticmethod
    def _apply_claims(user: Any, claims: dict[str, Any]) -> bool:
        given = claims.get("given_name") or ""
        family = claims.get("family_name") or ""
        if not (given or family) and claims.get("name"):
            given, _, family = str(claims["name"]).partition(" ")
        wanted: dict[str, object] = {
            "email": claims.get("email") or user.email,
            "first_name": str(given)[:150] or user.first_name,
            "last_name": str(family)[:150] or user.last_name,
        }
        if settings.OIDC_STAFF_GROUPS:
            staff = bool(set(_groups(claims)) & set(settings.OIDC_STAFF_GROUPS))
            wanted["is_staff"] = wanted["is_superuser"] = staff
        changed = False
        for field, value in wanted.items():
            if getattr(user, field) != value:
                setattr(user, field, value)
                changed = True
        return changed

    def retrieve_matching_jwk(self, token: Any) -> Any:
        # A provider with a single signing key may leave ``kid`` out of its tokens; the signature
        # is still checked against that one key.
        if "kid" not in jwt.get_unverified_header(token):
            response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            keys = response.json().get("keys", [])
            if len(keys) != 1:
                raise SuspiciousOperation("token names no key and the provider has several")
            return jwt.PyJWK(keys[0])
        return super().retrieve_matching_jwk(token)

    def get_payload_data(self, token: Any, key: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super().get_payload_data(token, key)
        check_issuer_and_audience(payload)
        return payload


def _groups(claims: dict[str, Any]) -> list[str]:
    value = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(value, str):  # some providers send one group as a plain string
        value = [value]
    return [str(group) for group in value] if isinstance(value, list) else []


def check_issuer_and_audience(payload: dict[str, Any]) -> None:
    issuer = str(getattr(settings, "OIDC_OP_ISSUER", ""))
    if issuer and payload.get("iss") != issuer:
        raise SuspiciousOperation("ID token issued by another provider")
    audience = payload.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if settings.OIDC_RP_CLIENT_ID not in audiences:
        raise SuspiciousOperation("ID token issued for another client")


def user_from_bearer(token: str) -> AbstractBaseUser | None:
    """The user an ``Authorization: Bearer <ID token>`` names, or None if the token is not valid."""
    if not settings.OIDC_ENABLED:
        return None
    backend = OIDCBackend()
    try:
        payload = backend.get_payload_data(token.encode(), backend.retrieve_matching_jwk(token))
    except (SuspiciousOperation, jwt.PyJWTError, KeyError, ValueError) as exc:
        log.info("bearer token refused: %s", exc)
        return None
    if not backend.verify_claims(payload):
        return None
    users = backend.filter_users_by_claims(payload)
    user = users.first() or backend.create_user(payload)
    return user if user.is_active else None


def api_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """APIs answer 401 JSON instead of redirecting, and accept a provider's ID token."""

    @login_not_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            user = user_from_bearer(header.removeprefix("Bearer ").strip())
            if user is None:
                return JsonResponse({"error": "invalid or expired token"}, status=401)
            request.user = user  # type: ignore[assignment]
            request.api_bearer = True  # type: ignore[attr-defined]
        elif not request.user.is_authenticated:
            return JsonResponse({"error": "authentication required"}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


def provider_logout_url(request: HttpRequest) -> str:
    """Where to send the browser so signing out also ends the provider's session."""
    endpoint = str(settings.OIDC_OP_LOGOUT_ENDPOINT)
    back = request.build_absolute_uri(settings.LOGOUT_REDIRECT_URL)
    if not endpoint:
        return back
    if settings.OIDC_LOGOUT_STYLE == "cognito":
        query = {"client_id": settings.OIDC_RP_CLIENT_ID, "logout_uri": back}
    else:
        query = {"post_logout_redirect_uri": back, "client_id": settings.OIDC_RP_CLIENT_ID}
        id_token = request.session.get("oidc_id_token")
        if id_token:
            query["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(query)}"
