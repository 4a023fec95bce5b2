"""What each library row shows: the name links to what was made of the file, a thumbnail or a
type icon, files uploaded more than once as one row, and the storage used per kind."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chats.models import ChatExport
from datasets.models import Dataset
from gallery.models import Photo
from ingestion.models import StoredObject
from tests.factories.library import stored

pytestmark = pytest.mark.django_db


def row_html(html: str, obj: StoredObject) -> str:
    found = re.search(rf'<tr id="object-{obj.pk}">(.*?)</tr>', html, re.S)
    assert found, f"{obj.original_name} is not listed"
    return found.group(1)


def photo_of(obj: StoredObject) -> Photo:
    assert obj.owner_id is not None
    return Photo.objects.create(
        source=obj,
        owner_id=obj.owner_id,
        content_hash=obj.etag,
        thumbnail_key=f"photos/thumbnails/{obj.owner_id}/{obj.pk}.jpg",
    )


def test_names_link_to_what_was_made_of_them(owner_client: Client, owner: Any) -> None:
    photo_obj = stored(owner, "beach.jpg", kind="photo")
    photo = photo_of(photo_obj)
    chat_obj = stored(owner, "WhatsApp Chat with Ana Lúcia.txt", kind="chat")
    ChatExport.objects.create(owner=owner, source=chat_obj, chat_name="Ana Lúcia")
    csv_obj = stored(owner, "sales.csv", kind="csv")
    dataset = Dataset.objects.create(owner=owner, source=csv_obj, name="sales.csv")
    archive = stored(owner, "export.zip", kind="zip")
    stored(owner, "IMG-1.jpg", kind="photo", source=archive)
    pdf = stored(owner, "lease.pdf")
    html = owner_client.get("/library/").content.decode()
    photo_link = f'href="/photos/{photo.pk}/" title="Open photo">beach.jpg</a>'
    assert photo_link in row_html(html, photo_obj)
    assert 'href="/chats/conversation?chat=Ana+L%C3%BAcia" title="Open conversation">' in row_html(
        html, chat_obj
    )
    dataset_link = f'href="/datasets/{dataset.pk}/" title="Open dataset">sales.csv'
    assert dataset_link in row_html(html, csv_obj)
    assert f'href="/library/?source={archive.pk}" title="Show unpacked files">export.zip' in (
        row_html(html, archive)
    )
    assert '<span class="file-name">lease.pdf</span>' in row_html(html, pdf)


def test_a_file_nothing_was_made_of_yet_is_not_a_link(owner_client: Client, owner: Any) -> None:
    """A photo still processing, a zip kept as it is (its contents are listed instead)."""
    waiting = stored(owner, "new.jpg", kind="photo", status="processing")
    kept = stored(owner, "backup.zip", kind="zip")
    kept.details = {"entries": [{"name": "a.txt", "size": 3}], "count": 1, "skipped": []}
    kept.save()
    html = owner_client.get("/library/").content.decode()
    assert '<span class="file-name">new.jpg</span>' in row_html(html, waiting)
    assert '<span class="file-name">backup.zip</span>' in row_html(html, kept)
    assert "1 file inside" in row_html(html, kept)


def test_a_file_still_uploading_offers_no_download(owner_client: Client, owner: Any) -> None:
    uploading = stored(owner, "big video.mov", status="uploading", write=False)
    done = stored(owner, "notes.pdf")
    html = owner_client.get("/library/").content.decode()
    assert f"/library/{uploading.pk}/download" not in html
    assert f"/library/{done.pk}/download" in html
    answer = owner_client.get(f"/library/{uploading.pk}/download", follow=True)
    assert "big video.mov is still uploading." in answer.content.decode()


def test_photos_show_their_thumbnail_and_other_files_a_type_icon(
    owner_client: Client, owner: Any
) -> None:
    photo = stored(owner, "beach.jpg", kind="photo")
    photo_of(photo)
    icons = {
        "lease.pdf": "pdf",
        "holiday.mp4": "video",
        "sales.csv": "table",
        "export.zip": "zip",
        "song.mp3": "audio",
        "notes.md": "text",
        "WhatsApp Chat with Rita.txt": "chat",
        "unknown.xyz": "file",
    }
    kinds = {"sales.csv": "csv", "export.zip": "zip", "WhatsApp Chat with Rita.txt": "chat"}
    objs = {name: stored(owner, name, kind=kinds.get(name, "misc")) for name in icons}
    html = owner_client.get("/library/").content.decode()
    thumb = re.search(r'<img class="thumb photo" src="([^"]+)"', row_html(html, photo))
    assert thumb and thumb.group(1).startswith("/files/")  # a signed URL of the thumbnail
    for name, icon in icons.items():
        assert f'src="/static/ingestion/icons/{icon}.svg"' in row_html(html, objs[name]), name


def test_every_type_icon_is_a_file(settings: Any) -> None:
    from pathlib import Path

    from ingestion.filetypes import ICONS

    folder = Path(settings.BASE_DIR) / "ingestion" / "static" / "ingestion" / "icons"
    assert [icon for icon in ICONS if not (folder / f"{icon}.svg").exists()] == []


def test_a_file_uploaded_twice_is_one_row_that_opens_to_its_copies(
    owner_client: Client, owner: Any, stranger: Any
) -> None:
    first = stored(owner, "IMG_0001.jpg", kind="photo", data=b"same bytes")
    photo = photo_of(first)
    second = stored(owner, "IMG_0001 (1).jpg", kind="photo", data=b"same bytes")
    stored(stranger, "IMG_0001.jpg", kind="photo", data=b"same bytes")  # someone else's
    other = stored(owner, "other.jpg", kind="photo", data=b"other bytes")
    response = owner_client.get("/library/")
    html = response.content.decode()
    assert re.findall(r'class="file-name"[^>]*>([^<]+)<', html) == ["other.jpg", "IMG_0001.jpg"]
    row = row_html(html, first)
    assert "uploaded twice" in row
    assert f'value="{first.pk},{second.pk}"' in row  # selecting it selects both copies
    assert f'href="/photos/{photo.pk}/"' in row
    assert "IMG_0001 (1).jpg" in row  # in the copies list…
    assert f'href="/library/{second.pk}/delete"' in row  # …each deletable
    assert f'href="/library/{first.pk}/delete"' in row
    assert "uploaded twice" not in row_html(html, other)


def test_copies_are_the_same_size_and_etag_not_the_same_name(
    owner_client: Client, owner: Any
) -> None:
    stored(owner, "report.pdf", data=b"version one")
    stored(owner, "report.pdf", data=b"version two")
    html = owner_client.get("/library/").content.decode()
    assert html.count('class="file-name"') == 2
    assert "uploaded twice" not in html


def test_a_copy_found_by_search_still_shows_all_its_copies(
    owner_client: Client, owner: Any
) -> None:
    stored(owner, "scan.pdf", data=b"scan")
    renamed = stored(owner, "tax return 2023.pdf", data=b"scan")
    html = owner_client.get("/library/?q=tax").content.decode()
    row = row_html(html, renamed)
    assert "uploaded twice" in row and "scan.pdf" in row


def test_deleting_one_copy_leaves_the_other_as_a_single_file(
    owner_client: Client, owner: Any
) -> None:
    first = stored(owner, "a.jpg", kind="photo", data=b"same")
    second = stored(owner, "b.jpg", kind="photo", data=b"same")
    owner_client.post(f"/library/{first.pk}/delete")
    html = owner_client.get("/library/").content.decode()
    assert "uploaded twice" not in row_html(html, second)


def test_storage_used_in_total_and_per_kind(owner_client: Client, owner: Any) -> None:
    stored(owner, "a.jpg", kind="photo", data=b"p" * 3000)
    stored(owner, "b.jpg", kind="photo", data=b"q" * 3000)
    stored(owner, "a.csv", kind="csv", data=b"c" * 1000)
    stored(owner, "copy.csv", kind="csv", data=b"c" * 1000)
    stored(owner, "x.pdf", data=b"m" * 2000)
    html = owner_client.get("/library/").content.decode()
    usage = re.sub(r"[ \n]+", " ", html.split('class="panel usage"')[1].split("</section>")[0])
    assert '9.8\xa0KB</span> <span class="muted">used by 5 files' in usage
    legend = re.findall(r'k-(\w+)"></span>([^<]+) <span class="legend-figures">([^<]+)<', usage)
    assert legend == [  # the largest first, equal sizes by name
        ("photo", "Photos", "2 · 5.9\xa0KB"),
        ("csv", "CSV datasets", "2 · 2.0\xa0KB"),
        ("misc", "Other files", "1 · 2.0\xa0KB"),
    ]
    bars = re.findall(r'<rect class="k-(\w+)" x="([\d.]+)" y="0" width="([\d.]+)"', usage)
    assert [b[0] for b in bars] == ["photo", "csv", "misc"]
    assert [round(float(b[2])) for b in bars] == [595, 198, 198]  # 60% / 20% / 20%, less gaps
    assert "1000\xa0bytes of it is one extra copy of files uploaded more than once" in usage


def test_the_usage_legend_filters_by_kind(owner_client: Client, owner: Any) -> None:
    stored(owner, "a.jpg", kind="photo")
    stored(owner, "a.csv", kind="csv")
    html = owner_client.get("/library/?kind=csv&q=a").content.decode()
    assert '<a href="?q=a"><span class="swatch k-all"></span>All files</a>' in html
    assert 'href="?q=a&amp;kind=photo"><span class="swatch k-photo">' in html
    assert 'href="?q=a&amp;kind=csv" class="active" aria-current="true">' in html


def _library_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/library/").status_code == 200
    return len(queries)


def test_the_page_takes_the_same_few_queries_for_5_files_or_300(
    owner_client: Client, owner: Any
) -> None:
    def add(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            kind = ("photo", "chat", "csv", "zip", "misc")[i % 5]
            obj = stored(owner, f"file-{i}.bin", kind=kind, data=f"{i % 40}".encode())
            if kind == "photo" and not Photo.objects.filter(content_hash=obj.etag).exists():
                photo_of(obj)
            elif kind == "chat":
                ChatExport.objects.create(owner=owner, source=obj, chat_name=f"chat {i}")
            elif kind == "csv":
                Dataset.objects.create(owner=owner, source=obj, name=obj.original_name)

    add(5, 0)
    few = _library_queries(owner_client)
    add(295, 5)
    many = _library_queries(owner_client)
    assert many == few
    assert many <= 8
