"""What WhatsApp calls its export files, in every language we know. Pure: no Django.

The one place that knows these names: the chat pipeline names a chat from its upload, and a zip
is an "export with media" when its top level holds a chat file named so (or iOS's _chat.txt).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Final

IOS_CHAT_FILE: Final = "_chat.txt"

_CHAT_NAME: Final = re.compile(
    r"^(?:"
    r"WhatsApp[ -]Chat (?:with|mit|met|med|z|con|avec|com|s|с|ile|-) "
    r"|Chat de WhatsApp con "
    r"|Chat WhatsApp (?:con|avec|com|z) "
    r"|Conversa do WhatsApp com "
    r"|Discussion WhatsApp avec "
    r"|Conversación de WhatsApp con "
    r"|WhatsApp-Chat (?:mit|met|med) "
    r"|WhatsApp Chat - "
    r")(?P<name>.+?)(?: \(\d+\))?$",
    re.IGNORECASE,
)


def chat_name_from_filename(filename: str) -> str | None:
    """The chat's name from an export's file name, or None when the name does not say.

    ``WhatsApp Chat with Anna.txt`` -> ``Anna``; iOS ``WhatsApp Chat - Anna.zip`` -> ``Anna``;
    localized forms (``WhatsApp-Chat mit Anna``, ``Chat de WhatsApp con Anna``, ...); a
    browser's `` (1)`` duplicate suffix is dropped. iOS's ``_chat.txt`` names no chat: None.
    """
    name = PureWindowsPath(PurePosixPath(filename).name).name
    for suffix in (".txt", ".zip"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    match = _CHAT_NAME.match(name.strip())
    return match["name"].strip() if match else None


def is_chat_file(basename: str) -> bool:
    """Whether a file inside a zip is the export's chat: iOS's ``_chat.txt``, or a ``.txt``
    named like an export in any language WhatsApp writes (``WhatsApp-Chat mit Anna.txt``)."""
    if basename.lower() == IOS_CHAT_FILE:
        return True
    return basename.lower().endswith(".txt") and chat_name_from_filename(basename) is not None
