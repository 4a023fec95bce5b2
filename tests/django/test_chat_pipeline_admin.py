"""The ChatExport admin: list with counts, search, rename rebuilding silver, rebuild action."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from django.conf import settings

from chats.models import ChatExport
from chats.tasks import ingest_export
from ingestion import storage
from tests.factories.chats import ANDROID, IOS, upload_chat

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Any, make_user: Any) -> Any:
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def chats_in_silver() -> set[str]:
    glob = f"{settings.LOCAL_STORAGE_DIR}/silver/whatsapp/date=*/*.parquet"
    return {
        r[0] for r in duckdb.execute("SELECT DISTINCT chat FROM read_parquet(?)", [glob]).fetchall()
    }


def test_list_shows_counts_and_search_finds_by_chat_name(owner: Any, staff_client: Any) -> None:
    ingest_export(upload_chat(owner, ANDROID).pk)
    ingest_export(upload_chat(owner, IOS, "WhatsApp Chat with Carla.txt").pk)

    html = staff_client.get("/admin/chats/chatexport/").content.decode()
    assert "Anna" in html and "Carla" in html
    found = staff_client.get("/admin/chats/chatexport/?q=carl").content.decode()
    assert "Carla" in found and ">Anna<" not in found


def test_editing_the_chat_name_rebuilds_silver(owner: Any, staff_client: Any) -> None:
    ingest_export(upload_chat(owner, ANDROID).pk)
    export = ChatExport.objects.get()

    response = staff_client.post(
        f"/admin/chats/chatexport/{export.pk}/change/", {"chat_name": "Family"}, follow=True
    )

    assert response.status_code == 200
    assert ChatExport.objects.get().chat_name == "Family"
    assert chats_in_silver() == {"Family"}


def test_rebuild_action_restores_lost_silver(owner: Any, staff_client: Any) -> None:
    ingest_export(upload_chat(owner, ANDROID).pk)
    for key in storage.list_keys("silver/"):
        storage.delete(key)

    response = staff_client.post(
        "/admin/chats/chatexport/",
        {"action": "rebuild_silver", "_selected_action": [ChatExport.objects.get().pk]},
        follow=True,
    )

    assert "Rebuilt 1 chat(s): 7 rows" in response.content.decode()
    assert chats_in_silver() == {"Anna"}
