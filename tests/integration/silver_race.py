"""Driver for test_silver_writers: runs in its own process with the environment it is given.

``python -m tests.integration.silver_race upload NAME=PATH ...`` stores each export for the
user ``racer`` through the real dispatch path (which enqueues its task) and prints the ledger
ids; ``status ID ...`` prints each object's status and reason. The test calls it in a process
of its own so that the embedded scenario (SQLite + the filesystem broker in a DATA_DIR of its
own) runs whatever database and broker the test process itself is configured with.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from ingestion.models import StoredObject
    from tests.factories.chats import upload_chat

    command, *rest = argv
    if command == "upload":
        user, _ = get_user_model().objects.get_or_create(username="racer")
        ids = []
        for item in rest:
            name, path = item.split("=", 1)
            ids.append(
                upload_chat(user, Path(path).read_bytes(), f"WhatsApp Chat with {name}.txt").pk
            )
        print(json.dumps({"owner": user.pk, "ids": ids}))
    elif command == "status":
        rows = StoredObject.objects.filter(pk__in=[int(i) for i in rest])
        print(json.dumps({str(o.pk): [o.status, o.reason] for o in rows}))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
