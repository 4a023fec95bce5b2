"""gallery.pipeline: a raw-photos/ object becomes a Photo, once, with its outputs keyed by id."""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from PIL import Image

from gallery.models import Photo, PhotoTag, TagKind
from gallery.pipeline import reprocess
from gallery.tasks import process_photo
from ingestion import storage
from ingestion.dispatch import dispatch
from ingestion.events import ObjectCreated
from ingestion.models import Status, StoredObject
from tests.factories.gallery import aware, photo_bytes, upload_photo

pytestmark = pytest.mark.django_db


def run(obj: StoredObject) -> StoredObject:
    """What the worker does with the task message: the task body, called with the id."""
    process_photo(obj.pk)
    obj.refresh_from_db()
    return obj


def image_at(key: str) -> Image.Image:
    im = Image.open(io.BytesIO(storage.read_bytes(key)))
    im.load()
    return im


def encode(im: Image.Image, fmt: str, **params: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def test_uploaded_photo_becomes_a_gallery_entry(owner: Any) -> None:
    obj = run(upload_photo(owner, photo_bytes((2000, 1500)), "holiday.jpg"))

    assert obj.status == Status.DONE and obj.reason == ""
    photo = Photo.objects.get(source=obj)
    assert photo.owner == owner
    assert photo.thumbnail_key == f"photos/thumbnails/{owner.pk}/{photo.pk}.jpg"
    assert photo.preview_key == f"photos/previews/{owner.pk}/{photo.pk}.jpg"
    assert photo.original_key == f"photos/originals/{owner.pk}/{photo.pk}.jpg"
    assert image_at(photo.thumbnail_key).size == (300, 225)
    assert image_at(photo.preview_key).size == (1280, 960)
    assert storage.read_bytes(photo.original_key) == storage.read_bytes(obj.key)
    assert (photo.width, photo.height, photo.size) == (2000, 1500, obj.size)
    assert sorted(photo.tags.values_list("name", flat=True)) == ["landscape"]


def test_derived_images_carry_no_metadata(owner: Any) -> None:
    data = photo_bytes(make="Canon", gps=(52.5, 13.4), taken="2024:03:01 10:10:10")
    photo = Photo.objects.get(source=run(upload_photo(owner, data)))

    for key in (photo.thumbnail_key, photo.preview_key):
        im = image_at(key)
        assert im.format == "JPEG"
        assert not im.getexif()
        assert "icc_profile" not in im.info and "exif" not in im.info


def test_exif_facts_and_automatic_tags(owner: Any) -> None:
    data = photo_bytes(
        (400, 600),
        taken="2023:07:14 18:30:05",
        offset="+02:00",
        make="Canon",
        model="Canon EOS R5",
        gps=(48.8584, -2.2945),
        flash=True,
    )
    photo = Photo.objects.get(source=run(upload_photo(owner, data, "IMG_0001.jpg")))

    assert photo.taken_at == datetime(2023, 7, 14, 16, 30, 5, tzinfo=UTC)
    assert photo.taken_at_source == "exif"
    assert (photo.camera_make, photo.camera_model, photo.camera) == (
        "Canon",
        "Canon EOS R5",
        "Canon EOS R5",
    )
    assert photo.latitude == pytest.approx(48.8584, abs=1e-4)
    assert photo.longitude == pytest.approx(-2.2945, abs=1e-4)
    assert photo.flash is True
    assert photo.exif["camera_make"] == "Canon"
    assert set(photo.tags.values_list("name", flat=True)) == {"portrait", "flash", "gps"}


def test_naive_exif_time_is_read_in_the_configured_time_zone(owner: Any, settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    data = photo_bytes(taken="2024:01:10 12:00:00")
    photo = Photo.objects.get(source=run(upload_photo(owner, data)))

    assert photo.taken_at == datetime(2024, 1, 10, 11, 0, tzinfo=UTC)


def test_exif_orientation_gives_dimensions_after_rotation(owner: Any) -> None:
    data = photo_bytes((600, 400), orientation=6)
    photo = Photo.objects.get(source=run(upload_photo(owner, data)))

    assert (photo.width, photo.height, photo.orientation) == (400, 600, 6)
    assert image_at(photo.thumbnail_key).size == (200, 300)
    assert photo.tags.filter(name="portrait").exists()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG-20240301-WA0003.jpg", datetime(2024, 3, 1)),
        ("PXL_20240301_101010123.jpg", datetime(2024, 3, 1, 10, 10, 10, 123000)),
        ("20240301_101010.jpg", datetime(2024, 3, 1, 10, 10, 10)),
    ],
)
def test_photo_without_exif_is_dated_by_its_file_name(
    owner: Any, name: str, expected: datetime
) -> None:
    photo = Photo.objects.get(source=run(upload_photo(owner, photo_bytes(), name)))

    assert photo.taken_at_source == "filename"
    assert photo.taken_at == aware(expected.isoformat())


def test_photo_without_any_date_is_dated_by_its_upload(owner: Any) -> None:
    uploaded = datetime(2022, 5, 6, 7, 8, 9, tzinfo=UTC)
    obj = upload_photo(owner, photo_bytes(), "scan.png", uploaded_at=uploaded)
    photo = Photo.objects.get(source=run(obj))

    assert (photo.taken_at, photo.taken_at_source, photo.uploaded_at) == (
        uploaded,
        "upload",
        uploaded,
    )


def test_duplicate_event_creates_one_photo(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    record = ObjectCreated(obj.bucket, obj.key, obj.size, obj.etag)
    assert dispatch(record) == obj  # the event delivered again finds the same ledger row

    assert process_photo(obj.pk) == "done"
    assert process_photo(obj.pk) == "skipped"  # a redelivered task message
    assert Photo.objects.count() == 1


def test_identical_bytes_uploaded_again_are_marked_duplicate(owner: Any) -> None:
    data = photo_bytes(seed=3)
    first = run(upload_photo(owner, data, "beach.jpg", uploaded_at=aware("2024-03-01 09:00")))
    second = run(upload_photo(owner, data, "beach (1).jpg"))

    assert second.status == Status.DONE
    assert second.reason == "Duplicate of beach.jpg uploaded 2024-03-01"
    assert Photo.objects.count() == 1
    assert Photo.objects.get().source == first
    assert not storage.exists(f"photos/thumbnails/{owner.pk}/{Photo.objects.get().pk + 1}.jpg")


def test_same_bytes_from_two_owners_are_two_photos(owner: Any, stranger: Any) -> None:
    data = photo_bytes(seed=4)
    run(upload_photo(owner, data))
    run(upload_photo(stranger, data))

    assert Photo.objects.count() == 2


def test_rerun_overwrites_the_same_outputs(owner: Any) -> None:
    obj = run(upload_photo(owner, photo_bytes()))
    photo = Photo.objects.get()
    PhotoTag.objects.create(photo=photo, name="family", kind=TagKind.USER)

    assert reprocess(obj, force=True) == "done"

    again = Photo.objects.get()
    assert again.pk == photo.pk
    assert (again.thumbnail_key, again.preview_key, again.original_key) == (
        photo.thumbnail_key,
        photo.preview_key,
        photo.original_key,
    )
    assert len(list(storage.list_keys("photos/"))) == 3
    assert set(again.tags.values_list("name", "kind")) == {
        ("landscape", "auto"),
        ("family", "user"),
    }


def test_reprocess_without_force_leaves_finished_objects_alone(owner: Any) -> None:
    obj = run(upload_photo(owner, photo_bytes()))

    assert reprocess(obj) == "skipped"


def test_original_is_kept_in_the_chosen_storage_class(owner: Any) -> None:
    obj = run(upload_photo(owner, photo_bytes(), storage_class="INTELLIGENT_TIERING"))
    photo = Photo.objects.get()

    assert storage.exists(photo.original_key)
    assert obj.storage_class == "INTELLIGENT_TIERING"


# Bad input: a reason for the user, no retry, the original kept.


def rejected(obj: StoredObject) -> StoredObject:
    obj = run(obj)
    assert obj.status == Status.REJECTED, obj.reason
    assert not Photo.objects.exists()
    assert storage.exists(obj.key)  # the original is kept
    return obj


def test_truncated_jpeg_is_rejected_with_reason(owner: Any) -> None:
    data = encode(Image.effect_noise((800, 600), 60).convert("RGB"), "JPEG")
    obj = rejected(upload_photo(owner, data[: len(data) // 2], "cut.jpg"))

    assert obj.reason == "Not a usable photo: the file is truncated."


def test_zero_byte_file_is_rejected_with_reason(owner: Any) -> None:
    obj = rejected(upload_photo(owner, b"", "empty.jpg"))

    assert obj.reason == "Not a usable photo: the file is empty."


def test_text_named_jpg_is_rejected_with_reason(owner: Any) -> None:
    obj = rejected(upload_photo(owner, b"Dear diary, no photos today.\n", "diary.jpg"))

    assert obj.reason == "Not a usable photo: not an image Pillow/HEIF can read."


def test_decompression_bomb_is_rejected_at_the_configured_pixel_limit(
    owner: Any, settings: Any
) -> None:
    settings.PHOTO_MAX_PIXELS = 1_000_000
    jpeg = photo_bytes((16, 16))
    sof = jpeg.index(b"\xff\xc0")
    bomb = jpeg[: sof + 5] + struct.pack(">HH", 20_000, 20_000) + jpeg[sof + 9 :]

    obj = rejected(upload_photo(owner, bomb, "bomb.jpg"))

    assert "over the limit of 1,000,000 pixels" in obj.reason


def test_missing_file_is_rejected_not_retried(owner: Any) -> None:
    obj = upload_photo(owner, photo_bytes())
    storage.delete(obj.key)

    obj = run(obj)

    assert obj.status == Status.REJECTED
    assert "not in storage" in obj.reason


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("cmyk.jpg", lambda: encode(Image.new("CMYK", (80, 60), (0, 255, 255, 0)), "JPEG")),
        ("deep.png", lambda: encode(Image.new("I;16", (80, 60), 32768), "PNG")),
        (
            "alpha.png",
            lambda: encode(Image.new("RGBA", (80, 60), (255, 0, 0, 0)), "PNG"),
        ),
        (
            "palette.png",
            lambda: encode(Image.new("RGB", (80, 60), (255, 0, 0)).convert("P"), "PNG"),
        ),
        ("moving.gif", lambda: animated("GIF")),
        ("moving.webp", lambda: animated("WEBP")),
        ("phone.heic", lambda: encode(Image.new("RGB", (80, 60), (255, 0, 0)), "HEIF")),
    ],
)
def test_awkward_but_valid_images_get_an_rgb_thumbnail(owner: Any, name: str, make: Any) -> None:
    obj = run(upload_photo(owner, make(), name))

    assert obj.status == Status.DONE, obj.reason
    thumb = image_at(Photo.objects.get().thumbnail_key)
    assert thumb.format == "JPEG" and thumb.mode in ("RGB", "L")
    assert thumb.size == (80, 60)


def animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (80, 60), c) for c in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100)


def test_animation_keeps_its_first_frame(owner: Any) -> None:
    run(upload_photo(owner, animated("GIF"), "moving.gif"))

    red, green, blue = image_at(Photo.objects.get().thumbnail_key).convert("RGB").getpixel((40, 30))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60


def test_heic_original_is_kept_with_its_own_extension(owner: Any) -> None:
    data = encode(Image.new("RGB", (80, 60), (255, 0, 0)), "HEIF")
    run(upload_photo(owner, data, "IMG_1234.HEIC"))

    assert Photo.objects.get().original_key.endswith(".heic")


def test_deleting_the_ledger_row_removes_the_photo_and_its_files(
    owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    obj = run(upload_photo(owner, photo_bytes()))
    photo = Photo.objects.get()
    keys = [photo.thumbnail_key, photo.preview_key, photo.original_key]

    with django_capture_on_commit_callbacks(execute=True):
        obj.delete()

    assert not Photo.objects.exists()
    assert not any(storage.exists(key) for key in keys)


def test_offset_is_kept_when_exif_has_one(owner: Any) -> None:
    data = photo_bytes(taken="2024:03:01 23:30:00", offset="-05:00")
    photo = Photo.objects.get(source=run(upload_photo(owner, data)))

    assert photo.taken_at == datetime(2024, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))


def test_unreadable_deep_archive_object_is_rejected_with_what_to_do(
    owner: Any, monkeypatch: Any
) -> None:
    from botocore.exceptions import ClientError

    obj = upload_photo(owner, photo_bytes(), storage_class="DEEP_ARCHIVE")

    def archived(key: str) -> bytes:
        raise ClientError({"Error": {"Code": "InvalidObjectState"}}, "GetObject")

    monkeypatch.setattr(storage, "read_bytes", archived)
    obj = run(obj)

    assert obj.status == Status.REJECTED
    assert "restore it in the library, then reprocess it" in obj.reason
