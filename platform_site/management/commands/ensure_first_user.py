"""Create the first account when there is none (``make run`` calls this).

Never prints a password where logs are collected: the generated one is printed only to an
interactive terminal (and always kept in ``DATA_DIR/initial-password.txt``, mode 0600). With
OIDC on, accounts come from the provider: nothing is created unless LOCAL_SIGN_IN is on and
DJANGO_SUPERUSER_PASSWORD is given.
"""

from __future__ import annotations

import os
import secrets
import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from platform_site.env import env_str


class Command(BaseCommand):
    help = "Create a superuser from DJANGO_SUPERUSER_USERNAME/PASSWORD if no user exists."

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        if users.exists():
            return
        username = env_str("DJANGO_SUPERUSER_USERNAME", "admin")
        password = env_str("DJANGO_SUPERUSER_PASSWORD")
        if settings.OIDC_ENABLED and not (settings.LOCAL_SIGN_IN and password):
            self.stdout.write(
                "Sign-in is through the OIDC provider: no local account created "
                "(staff are the provider's OIDC_STAFF_GROUPS)."
            )
            return
        if password:
            try:
                validate_password(password, users.model(username=username))
            except ValidationError as exc:
                raise CommandError(
                    "DJANGO_SUPERUSER_PASSWORD is too weak: " + " ".join(exc.messages)
                ) from None
            users.create_superuser(username=username, email="", password=password)
            self.stdout.write(f"Created the first account: {username}")
            return
        password = secrets.token_urlsafe(12)
        users.create_superuser(username=username, email="", password=password)
        path = settings.DATA_DIR / "initial-password.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"user: {username}\npassword: {password}\n")
        path.chmod(0o600)
        if not sys.stdout.isatty():
            self.stdout.write(
                f"Created the first account {username}; its password is in {path} "
                "(readable only by you)."
            )
            return
        banner = "=" * 64
        self.stdout.write(
            f"{banner}\nCreated the first account.\n  user:     {username}\n"
            f"  password: {password}\n"
            f"(shown once; also kept in {path}, readable only by you)\n{banner}"
        )
