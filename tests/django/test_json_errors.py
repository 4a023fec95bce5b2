"""Every JSON API answers JSON with a plain message for every error (platform_site.errors), and
hostile parameters answer 400, never 500: a NUL byte (PostgreSQL refuses it in any string), a
CSRF failure, a bad ``limit``, an unknown API path or method. Pages answer a plain 400 too."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from datasets.models import Dataset
from gallery.models import Photo, PhotoTag
from gallery.presenters import original_url, preview_url, thumbnail_url
from ingestion import storage
from tests.factories.gallery import make_photo_rows
from tests.factories.library import stored

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@pytest.fixture
def quiet_client(owner: Any) -> Client:
    """The owner's session, seeing responses as a browser would (no exception re-raised)."""
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return client


def json_error(response: Any, status: int) -> str:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    message = response.json()["error"]
    assert isinstance(message, str) and message
    assert "Traceback" not in message and "Error:" not in message
    return message


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/photos", {"camera": NUL}),
        ("/api/photos", {"tag": NUL}),
        ("/api/photos", {"cursor": NUL}),
        ("/api/chats", {"q": NUL}),
        ("/api/chats", {"chat": NUL}),
        ("/api/objects", {"ids": NUL}),
        ("/api/photos/pending", {"ids": NUL}),
    ],
)
def test_a_nul_byte_in_an_api_parameter_is_a_json_400(
    quiet_client: Client, path: str, params: dict[str, str]
) -> None:
    message = json_error(quiet_client.get(path, params), 400)
    assert "nul" in message.lower() or message.startswith(("ids:", "cursor:"))


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/library/", {"q": NUL}),
        ("/library/", {"kind": NUL}),
        ("/photos/", {"camera": NUL}),
        ("/photos/", {"tag": NUL}),
        ("/chats/search", {"q": NUL}),
    ],
)
def test_a_nul_byte_in_a_page_parameter_is_a_plain_400(
    quiet_client: Client, path: str, params: dict[str, str]
) -> None:
    response = quiet_client.get(path, params)
    assert response.status_code == 400
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("params", [{"page": NUL}, {"sort": NUL}, {"order": NUL}])
def test_a_nul_byte_in_a_dataset_page_parameter_is_left_out(
    quiet_client: Client, owner: Any, params: dict[str, str]
) -> None:
    """Dataset pages read only numbers and choices from a link: a bad one shows the default
    (no database sees it), as an unknown page number does."""
    source = stored(owner, "people.csv", kind="csv")
    dataset = Dataset.objects.create(owner=owner, source=source, name="people.csv")
    for path in ("/datasets/", f"/datasets/{dataset.pk}/"):
        assert quiet_client.get(path, params).status_code == 200


def test_a_nul_byte_in_a_tag_to_remove_is_a_400(quiet_client: Client, owner: Any) -> None:
    photo = Photo.objects.get(pk=make_photo_rows(owner, 1)[0])
    PhotoTag.objects.create(photo=photo, name="beach", kind="user")
    response = quiet_client.post(f"/photos/{photo.pk}/tags", {"remove": NUL})
    assert response.status_code == 400 and b"Tags use letters" in response.content
    assert PhotoTag.objects.filter(photo=photo, name="beach").exists()


def test_a_nul_byte_in_a_json_body_is_a_json_400(csrf_client: Client) -> None:
    response = csrf_client.post(
        "/api/uploads/multipart",
        '{"name": "a\\u0000b.bin", "size": 10}',
        content_type="application/json",
    )
    assert "Null characters are not allowed" in json_error(response, 400)


def test_a_csrf_failure_on_a_json_api_is_a_json_403(owner: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(
        "/api/uploads/multipart", '{"name": "a.bin", "size": 10}', content_type="application/json"
    )
    assert "CSRF" in json_error(response, 403)
    upload = client.post("/api/uploads", {"file": SimpleUploadedFile("a.txt", b"hello")})
    assert "CSRF" in json_error(upload, 403)


def test_a_csrf_failure_on_a_page_stays_a_page(owner: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post("/library/bulk", {"action": "delete", "ids": ["1"]})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("limit", ["abc", "0", "-5", "1.5", "1e3", NUL])
@pytest.mark.parametrize("path", ["/api/photos", "/api/chats"])
def test_a_bad_limit_is_a_json_400_that_names_it(
    quiet_client: Client, path: str, limit: str
) -> None:
    message = json_error(quiet_client.get(path, {"limit": limit}), 400)
    assert message.startswith("limit")


def test_an_upload_just_over_the_limit_is_a_json_413_with_csrf_enforced(
    csrf_client: Client, settings: Any
) -> None:
    settings.UPLOAD_MAX_SIZE = 100
    response = csrf_client.post("/api/uploads", {"file": SimpleUploadedFile("a.bin", b"x" * 101)})
    json_error(response, 413)


def test_an_over_long_file_name_is_a_json_400(csrf_client: Client) -> None:
    from tests.django.test_upload_refusals import upload_raw

    json_error(upload_raw(csrf_client, "n" * 600 + ".txt", b"hello"), 400)


def test_the_summary_json_answers_an_anonymous_caller_401_json(client: Client, owner: Any) -> None:
    source = stored(owner, "people.csv", kind="csv")
    dataset = Dataset.objects.create(owner=owner, source=source, name="people.csv")
    json_error(client.get(f"/datasets/{dataset.pk}/summary.json"), 401)


def test_an_unknown_api_path_and_a_wrong_method_answer_json(quiet_client: Client) -> None:
    json_error(quiet_client.get("/api/nothing-here"), 404)
    json_error(quiet_client.post("/api/photos"), 405)
    json_error(quiet_client.get("/api/uploads/999999"), 404)


def test_an_api_that_fails_answers_json_without_the_exception_text(
    quiet_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gallery import timeline

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret path /var/lib/platform")

    monkeypatch.setattr(timeline, "page_of", broken)
    message = json_error(quiet_client.get("/api/photos"), 500)
    assert "secret" not in message


def test_gallery_links_last_as_long_as_signed_url_seconds(
    owner: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SIGNED_URL_SECONDS = 42
    asked: list[int | None] = []
    real = storage.backend().signed_url

    def spy(key: str, *, filename: str, seconds: int, inline: bool = False) -> str:
        asked.append(seconds)
        return real(key, filename=filename, seconds=seconds, inline=inline)

    monkeypatch.setattr(type(storage.backend()), "signed_url", lambda self, *a, **k: spy(*a, **k))
    photo = Photo.objects.get(pk=make_photo_rows(owner, 1)[0])
    thumbnail_url(photo), preview_url(photo), original_url(photo)
    assert asked == [42, 42, 42]


@pytest.mark.parametrize(("path", "api"), [("/api/photos", True), ("/photos/", False)])
def test_a_nul_that_reaches_the_database_is_a_400_not_a_500(
    quiet_client: Client, monkeypatch: pytest.MonkeyPatch, path: str, api: bool
) -> None:
    """The safety net behind the forms: PostgreSQL's refusal of a NUL answers 400."""
    from django.db import DataError

    from gallery import timeline

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    monkeypatch.setattr(timeline, "page_of", refused)
    response = quiet_client.get(path)
    if api:
        assert "NUL" in json_error(response, 400)
    else:
        assert response.status_code == 400 and b"NUL" in response.content
