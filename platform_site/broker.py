"""The embedded broker: kombu's filesystem transport, with each message written whole.

kombu's own ``_put`` creates the message file under its final name and then writes it, while
its ``_get`` moves and reads any file of that name without waiting for the writer's lock: a
worker polling between the two read an empty message, died with "Unrecoverable error:
JSONDecodeError" and the task was lost (its row stayed ``received``; bench_load lost 2 of 343
uploads in one minute of load). Here a message is written under a dot name no reader takes,
then renamed into place, so a reader sees the whole message or nothing.

Chosen by ``CELERY_BROKER_TRANSPORT`` with ``CELERY_BROKER_URL = "filesystem://"``.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, message: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: _get takes only names whose text after the first dot is "<queue>.msg".
        temporary = os.path.join(self.data_folder_out, f".{name}.tmp")
        try:
            with open(temporary, "wb") as handle:
                handle.write(str_to_bytes(dumps(message)))
            os.replace(temporary, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
