"""CSV datasets: an uploaded CSV becomes a profiled Dataset with its summary JSON, and its pages."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from datasets.models import Dataset
from datasets.pipeline import profile_dataset_object, reprofile
from ingestion import storage
from ingestion.jobs import run_claimed
from ingestion.models import Status, StoredObject
from tests.broker import drain, purge

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = (
    b"id,name,age,joined,city\n"
    b"1,Alice,34,2021-03-04,Paris\n"
    b"2,Bob,,2020-11-30,London\n"
    b"3,Carol,29,2019-07-15,Paris\n"
    b"4,Dan,38,2022-01-01,<b>Berlin</b>\n"
    b"5,Eve,41,2018-05-20,Paris\n"
    b"5,Eve,41,2018-05-20,Paris\n"
    b"6,Frank,55,2017-02-02\n"
    b"7,Grace,23,2023-09-09,Rome\n"
)


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    purge("io", "cpu")


def upload(client: Any, name: str, data: bytes) -> StoredObject:
    response = client.post("/api/uploads", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 201, response.content
    return StoredObject.objects.get(pk=response.json()["id"])


def process(obj: StoredObject) -> StoredObject:
    """What the worker does with the task message, without Celery: claim, run, record."""
    assert obj.claim()
    run_claimed(obj, profile_dataset_object)
    obj.refresh_from_db()
    return obj


def test_uploaded_csv_is_routed_to_the_profiling_task(owner_client: Any) -> None:
    obj = upload(owner_client, "people.csv", PEOPLE)
    assert drain("cpu") == [("datasets.profile_dataset", [obj.pk])]


def test_uploaded_csv_becomes_a_profiled_dataset(owner_client: Any, owner: Any) -> None:
    obj = process(upload(owner_client, "people.csv", PEOPLE))

    assert obj.status == Status.DONE
    assert "7 rows × 5 columns" in obj.reason
    dataset = Dataset.objects.get(source=obj)
    assert dataset.owner == owner and dataset.name == "people.csv"
    assert dataset.status == Dataset.Outcome.SUCCESS and dataset.error_message == ""
    assert (dataset.row_count, dataset.column_count) == (7, 5)
    assert dataset.issue_count == 3  # a missing age, a duplicate row, a short row
    assert (dataset.encoding, dataset.delimiter) == ("utf-8", ",")
    assert dataset.processed_at is not None
    assert dataset.profile["schema"] == {
        "id": "integer",
        "name": "string",
        "age": "integer",
        "joined": "date",
        "city": "string",
    }
    assert len(dataset.profile["preview"]) == 7


def test_summary_json_is_stored_under_the_dataset_key_with_the_original_fields(
    owner_client: Any, owner: Any
) -> None:
    obj = process(upload(owner_client, "people.csv", PEOPLE))
    dataset = Dataset.objects.get(source=obj)

    assert dataset.summary_key == f"processed/csv/{owner.pk}/{dataset.pk}_summary.json"
    summary = json.loads(storage.read_bytes(dataset.summary_key))
    for field in (
        "file_name",
        "upload_timestamp",
        "processed_timestamp",
        "status",
        "row_count",
        "schema",
        "statistics",
        "quality_issues",
    ):
        assert field in summary, field
    assert summary["file_name"] == "people.csv"
    assert summary["upload_timestamp"] == obj.created_at.isoformat()
    assert summary["status"] == "success" and summary["row_count"] == 7
    assert summary["statistics"]["age"]["missing"] == 1
    assert {issue["type"] for issue in summary["quality_issues"]} == {
        "missing_values",
        "duplicate_rows",
        "ragged_rows",
    }


def test_unreadable_file_is_an_error_and_the_upload_is_rejected(owner_client: Any) -> None:
    data = b"\x00\x01\x02binary\x00\xff" * 50
    obj = process(upload(owner_client, "broken.csv", data))

    assert obj.status == Status.REJECTED
    assert obj.reason == "The file is not text (it looks like binary data)."
    dataset = Dataset.objects.get(source=obj)
    assert dataset.status == Dataset.Outcome.ERROR
    assert dataset.error_message == obj.reason
    assert dataset.row_count is None
    summary = json.loads(storage.read_bytes(dataset.summary_key))
    assert summary["status"] == "error" and summary["error_message"] == obj.reason
    assert storage.read_bytes(obj.key) == data  # the original stays in the library


def test_file_of_blank_lines_is_rejected_as_empty(owner_client: Any) -> None:
    obj = process(upload(owner_client, "blank.csv", b"\n\n\n"))
    assert (obj.status, obj.reason) == (Status.REJECTED, "The file is empty.")
    assert Dataset.objects.get(source=obj).error_message == "The file is empty."


def test_rerun_overwrites_the_same_dataset_and_summary(owner_client: Any) -> None:
    obj = process(upload(owner_client, "people.csv", PEOPLE))
    first = Dataset.objects.get(source=obj)
    storage.save_bytes(first.summary_key, b"stale")

    assert reprofile(obj) == "done"

    assert Dataset.objects.filter(source=obj).count() == 1
    again = Dataset.objects.get(source=obj)
    assert again.pk == first.pk and again.summary_key == first.summary_key
    assert again.processed_at is not None and first.processed_at is not None
    assert again.processed_at >= first.processed_at
    assert json.loads(storage.read_bytes(again.summary_key))["row_count"] == 7
    assert list(storage.list_keys("processed/csv/")) == [again.summary_key]


def test_list_shows_the_owners_datasets_with_their_outcome(
    owner_client: Any, make_user: Any
) -> None:
    process(upload(owner_client, "people.csv", PEOPLE))
    process(upload(owner_client, "broken.csv", b"\x00\x01binary\x00" * 20))

    page = owner_client.get("/datasets/").content.decode()

    assert "people.csv" in page and "broken.csv" in page
    assert "The file is not text" in page
    assert 'href="/datasets/"' in page  # the navigation names the section


def test_empty_list_points_to_the_upload_page(owner_client: Any) -> None:
    page = owner_client.get("/datasets/").content.decode()
    assert "No datasets yet" in page and 'href="/upload/"' in page


def test_list_shows_uploads_still_waiting_to_be_profiled(owner_client: Any) -> None:
    upload(owner_client, "later.csv", PEOPLE)
    page = owner_client.get("/datasets/").content.decode()
    assert "Not profiled yet" in page and "later.csv" in page


def test_dataset_page_shows_the_profile_report(owner_client: Any) -> None:
    dataset = Dataset.objects.get(source=process(upload(owner_client, "people.csv", PEOPLE)))

    response = owner_client.get(f"/datasets/{dataset.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg class="chart histogram" xmlns="http://www.w3.org/2000/svg"' in page
    assert "Distribution of age" in page and "Most common values of city" in page
    assert 'class="list ds-preview"' in page and "Grace" in page
    assert "Rows 1–7 of 7." in page
    assert "line 8" in page  # the short row, by its line
    assert "lines 6 and 7" in page  # the duplicated row
    assert "&lt;b&gt;Berlin&lt;/b&gt;" in page and "<b>Berlin</b>" not in page
    assert f"/datasets/{dataset.pk}/summary.json" in page


def test_error_dataset_page_explains_the_reason(owner_client: Any) -> None:
    obj = process(upload(owner_client, "broken.csv", b"\x00\x01binary\x00" * 20))
    page = owner_client.get(f"/datasets/{obj.dataset.pk}/").content.decode()
    assert "could not be profiled" in page and "The file is not text" in page


def test_summary_download_is_the_stored_json(owner_client: Any) -> None:
    dataset = Dataset.objects.get(source=process(upload(owner_client, "people.csv", PEOPLE)))

    response = owner_client.get(f"/datasets/{dataset.pk}/summary.json")

    assert response.status_code == 302
    download = owner_client.get(response["Location"])
    assert download.status_code == 200
    assert 'filename="people_summary.json"' in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    assert json.loads(body)["file_name"] == "people.csv"


def test_another_users_dataset_does_not_exist_for_you(
    owner_client: Any, client: Any, stranger: Any
) -> None:
    dataset = Dataset.objects.get(source=process(upload(owner_client, "people.csv", PEOPLE)))
    client.force_login(stranger)

    assert client.get(f"/datasets/{dataset.pk}/").status_code == 404
    assert client.get(f"/datasets/{dataset.pk}/summary.json").status_code == 404
    assert "people.csv" not in client.get("/datasets/").content.decode()


def test_pages_need_a_signed_in_user(client: Any) -> None:
    response = client.get("/datasets/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_profile_csv_command_reruns_chosen_datasets(owner_client: Any) -> None:
    dataset = Dataset.objects.get(source=process(upload(owner_client, "people.csv", PEOPLE)))
    Dataset.objects.filter(pk=dataset.pk).update(row_count=0, profile={})
    out = StringIO()

    call_command("profile_csv", "--id", str(dataset.pk), stdout=out)

    dataset.refresh_from_db()
    assert dataset.row_count == 7 and dataset.profile["row_count"] == 7
    assert "[1/1] people.csv done" in out.getvalue()
    assert "Profiled 1 CSV file(s): done 1" in out.getvalue()
    assert Dataset.objects.count() == 1


def test_profile_csv_all_also_profiles_uploads_never_profiled(owner_client: Any) -> None:
    process(upload(owner_client, "people.csv", PEOPLE))
    waiting = upload(owner_client, "later.csv", b"a;b\n1;2\n3;4\n")
    broken = process(upload(owner_client, "broken.csv", b"\x00\x01binary\x00" * 20))
    out = StringIO()

    call_command("profile_csv", "--all", stdout=out)

    assert Dataset.objects.get(source=waiting).delimiter == ";"
    assert Dataset.objects.get(source=broken).status == Dataset.Outcome.ERROR
    assert "Profiled 3 CSV file(s): done 2, rejected 1" in out.getvalue()
    assert Dataset.objects.count() == 3


def test_profile_csv_command_needs_a_choice_and_known_ids(owner_client: Any) -> None:
    with pytest.raises(CommandError, match="--id N"):
        call_command("profile_csv")
    with pytest.raises(CommandError, match="No dataset with id 999"):
        call_command("profile_csv", "--id", "999")


def test_admin_lists_datasets_and_profiles_again(client: Any, make_user: Any) -> None:
    staff = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(staff)
    obj = process(upload(client, "people.csv", PEOPLE))
    dataset = Dataset.objects.get(source=obj)
    purge("cpu")

    assert "people.csv" in client.get("/admin/datasets/dataset/?status=success").content.decode()
    page = client.get(f"/admin/datasets/dataset/{dataset.pk}/change/").content.decode()
    assert "&quot;row_count&quot;: 7" in page
    response = client.post(
        "/admin/datasets/dataset/",
        {"action": "profile_again", "_selected_action": [dataset.pk]},
    )
    assert response.status_code == 302
    assert drain("cpu") == [("datasets.profile_dataset", [obj.pk])]
    obj.refresh_from_db()
    assert obj.status == Status.RECEIVED


def test_unexpected_error_fails_the_upload_and_the_pages_say_so(
    owner_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("datasets.pipeline.profile_csv", explode)
    obj = process(upload(owner_client, "people.csv", PEOPLE))

    assert (obj.status, obj.reason) == (Status.FAILED, "RuntimeError: disk on fire")
    dataset = Dataset.objects.get(source=obj)
    assert dataset.status == Dataset.Outcome.PENDING
    assert (
        "Profiling failed: RuntimeError: disk on fire"
        in owner_client.get("/datasets/").content.decode()
    )
    page = owner_client.get(f"/datasets/{dataset.pk}/").content.decode()
    assert "Profiling failed." in page and "being profiled" not in page


def test_old_dataset_admin_links_lead_to_the_datasets_app(client: Any, make_user: Any) -> None:
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    response = client.get("/admin/ingestion/dataset/7/change/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/admin/datasets/dataset/7/change/?x=1"
