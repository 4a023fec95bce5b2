"""The embedded broker never hands a worker half a message (found by bench_load: a worker
polling while the web app's processes published read an empty file, died with "Unrecoverable
error: JSONDecodeError", and the task was lost). With kombu's own filesystem transport
(``kombu.transport.filesystem:Transport``) this exchange raises JSONDecodeError."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from kombu import Connection

PUBLISHERS, EACH, PADDING = 6, 150, 200_000
TRANSPORT = "platform_site.broker:Transport"

# Each publisher is a process of its own, as gunicorn's workers are.
PUBLISH = """
import json, sys
from kombu import Connection
options, transport, publisher, each, padding = json.loads(sys.argv[1])
with Connection("filesystem://", transport=transport, transport_options=options) as conn:
    queue = conn.SimpleQueue("io")
    for i in range(each):
        queue.put({"id": f"{publisher}-{i}", "padding": "x" * padding})
    queue.close()
"""


def options(folder: Path) -> dict[str, Any]:
    return {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(folder.parent / "control"),
        "store_processed": False,
        "polling_interval": 0,
    }


def exchange(folder: Path, transport: str) -> list[str]:
    """Ids received while PUBLISHERS processes publish; raises what the consumer raises."""
    root = Path(__file__).resolve().parents[2]
    publishers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                PUBLISH,
                json.dumps([options(folder), transport, p, EACH, PADDING]),
            ],
            cwd=root,
        )
        for p in range(PUBLISHERS)
    ]
    received: list[str] = []
    try:
        with Connection(
            "filesystem://", transport=transport, transport_options=options(folder)
        ) as conn:
            queue = conn.SimpleQueue("io")
            while len(received) < PUBLISHERS * EACH:
                message = queue.get(block=True, timeout=60)
                assert message.payload["padding"] == "x" * PADDING
                received.append(message.payload["id"])
                message.ack()
            queue.close()
    finally:
        for process in publishers:
            process.wait(60)
    return received


def test_messages_published_while_a_consumer_polls_all_arrive_whole(tmp_path: Path) -> None:
    folder = tmp_path / "queue"
    folder.mkdir()
    received = exchange(folder, TRANSPORT)
    sent = [f"{p}-{i}" for p in range(PUBLISHERS) for i in range(EACH)]
    assert sorted(received) == sorted(sent)
    assert not [p.name for p in folder.iterdir()], "nothing left behind, no temporary files"
