from typing import Any

import pytest

from ingestion.dispatch import dispatch
from ingestion.events import ObjectCreated
from ingestion.models import Status, StoredObject
from tests.broker import drain, purge

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    purge("io", "cpu")


def test_duplicate_event_creates_one_row_and_one_task(owner: Any) -> None:
    record = ObjectCreated("bucket", f"misc/{owner.pk}/u/a.txt", 3, "etag1")
    first = dispatch(record)
    again = dispatch(record)
    assert first is not None and again is not None
    assert first.pk == again.pk
    assert StoredObject.objects.count() == 1
    assert drain("io") == [("ingestion.verify_object", [first.pk])]


def test_new_version_of_a_key_is_a_new_row(owner: Any) -> None:
    key = f"misc/{owner.pk}/u/a.txt"
    dispatch(ObjectCreated("bucket", key, 3, "v1"))
    dispatch(ObjectCreated("bucket", key, 4, "v2"))
    assert StoredObject.objects.filter(key=key).count() == 2


def test_key_naming_no_known_owner_is_rejected_and_not_processed(db: Any) -> None:
    obj = dispatch(ObjectCreated("bucket", "raw-photos/999/u/a.jpg", 3, "e"))
    assert obj is not None
    assert obj.owner is None
    assert obj.status == Status.REJECTED
    assert "no known owner" in obj.reason
    assert drain("cpu") == []


def test_derived_keys_are_not_recorded(owner: Any) -> None:
    assert dispatch(ObjectCreated("bucket", f"photos/thumbnails/{owner.pk}/1.jpg", 3, "e")) is None
    assert not StoredObject.objects.exists()


def test_row_whose_enqueue_was_lost_is_enqueued_by_the_redelivery(owner: Any) -> None:
    record = ObjectCreated("bucket", f"misc/{owner.pk}/u/a.txt", 3, "e")
    obj = dispatch(record)
    assert obj is not None
    drain("io")
    StoredObject.objects.filter(pk=obj.pk).update(enqueued_at=None)  # as if the broker was down
    dispatch(record)
    assert drain("io") == [("ingestion.verify_object", [obj.pk])]


def test_every_route_names_a_registered_task() -> None:
    from ingestion.routing import ROUTES
    from platform_site.celery import app

    app.loader.import_default_modules()
    assert {route.task for route in ROUTES} <= set(app.tasks)
