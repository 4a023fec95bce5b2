"""Create the first account when there is none (``make run`` calls this)."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from platform_site.env import env_str


class Command(BaseCommand):
    help = "Create a superuser from DJANGO_SUPERUSER_USERNAME/PASSWORD if no user exists."

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        if users.exists():
            return
        username = env_str("DJANGO_SUPERUSER_USERNAME", "admin")
        password = env_str("DJANGO_SUPERUSER_PASSWORD")
        users.create_superuser(username=username, email="", password=password or None)
        if password:
            self.stdout.write(f"Created the first account: {username}")
            return
        password = secrets.token_urlsafe(12)
        user = users.get(username=username)
        user.set_password(password)
        user.save()
        path = settings.DATA_DIR / "initial-password.txt"
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(f"user: {username}\npassword: {password}\n", encoding="utf-8")
        banner = "=" * 64
        self.stdout.write(
            f"{banner}\nCreated the first account.\n  user:     {username}\n"
            f"  password: {password}\n"
            f"(shown once; also kept in {path}, readable only by you)\n{banner}"
        )
