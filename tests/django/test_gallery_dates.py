"""When a photo was taken: EXIF, else a date in the file name, else the file's last-modified time
sent with the upload; the upload time only when none is known. The source is recorded and shown."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gallery.models import Photo
from gallery.tasks import process_photo
from tests.factories.gallery import aware, photo_bytes, upload_photo

pytestmark = pytest.mark.django_db

UPLOADED = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)
MODIFIED = datetime(2021, 8, 14, 17, 45, 12, tzinfo=UTC)


def processed(data: bytes, name: str, owner: Any, **upload: Any) -> Photo:
    obj = upload_photo(owner, data, name, uploaded_at=UPLOADED, **upload)
    process_photo(obj.pk)
    return Photo.objects.get(source=obj)


@pytest.mark.parametrize(
    ("name", "fmt", "taken"),
    [
        ("Screenshot 2024-03-02 at 14.22.01.png", "PNG", "2024-03-02 14:22:01"),
        ("IMG_20240829_134700.jpg", "JPEG", "2024-08-29 13:47:00"),
        ("IMG-20230506-WA0012.jpg", "JPEG", "2023-05-06 00:00:00"),
    ],
)
def test_a_photo_without_an_exif_date_is_dated_by_its_file_name(
    owner: Any, name: str, fmt: str, taken: str
) -> None:
    photo = processed(photo_bytes(fmt=fmt), name, owner, modified_at=MODIFIED)

    assert (photo.taken_at, photo.taken_at_source) == (aware(taken), "filename")
    assert (photo.taken_year, photo.taken_month) == (int(taken[:4]), int(taken[5:7]))


def test_without_a_dated_name_the_files_last_modified_time_dates_it(owner: Any) -> None:
    photo = processed(photo_bytes(), "grandma's garden.jpg", owner, modified_at=MODIFIED)

    assert (photo.taken_at, photo.taken_at_source, photo.taken_year) == (
        MODIFIED,
        "modified",
        2021,
    )
    assert photo.uploaded_at == UPLOADED


def test_the_exif_date_wins_over_the_name_and_the_modified_time(owner: Any) -> None:
    data = photo_bytes(taken="2019:07:14 16:20:00")
    photo = processed(data, "IMG_20240829_134700.jpg", owner, modified_at=MODIFIED)

    assert (photo.taken_at, photo.taken_at_source) == (aware("2019-07-14 16:20"), "exif")


@pytest.mark.parametrize(
    "modified",
    [
        datetime(1970, 1, 1, tzinfo=UTC),  # a file whose time was never set
        datetime(2026, 1, 1, tzinfo=UTC),  # after the upload: a wrong clock
    ],
)
def test_an_impossible_modified_time_is_not_used(owner: Any, modified: datetime) -> None:
    photo = processed(photo_bytes(), "scan.jpg", owner, modified_at=modified)

    assert (photo.taken_at, photo.taken_at_source) == (UPLOADED, "upload")


def test_only_a_photo_without_any_date_takes_the_upload_time(owner: Any) -> None:
    photo = processed(photo_bytes(), "scan.jpg", owner)

    assert (photo.taken_at, photo.taken_at_source) == (UPLOADED, "upload")


@pytest.mark.parametrize(
    ("name", "modified", "says"),
    [
        ("IMG_20240829_134700.jpg", None, "from the file name"),
        ("scan.jpg", MODIFIED, "from the file's last-modified time"),
        ("scan.jpg", None, "the upload time: the file has no date"),
    ],
)
def test_the_photo_page_says_where_the_date_came_from(
    owner: Any, owner_client: Any, name: str, modified: datetime | None, says: str
) -> None:
    photo = processed(photo_bytes(), name, owner, modified_at=modified)

    assert says in owner_client.get(f"/photos/{photo.pk}/").content.decode()
