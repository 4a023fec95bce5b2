"""Export file names in every language WhatsApp writes: chats.whatsapp.names knows them,
and both a chat's .txt and an "export with media" .zip are named from it."""

from __future__ import annotations

import pytest

from chats.whatsapp.names import chat_name_from_filename, is_chat_file

# (file name without extension, chat name) as WhatsApp writes them on Android and iOS.
EXPORT_NAMES = [
    pytest.param("WhatsApp Chat with Anna", "Anna", id="english"),
    pytest.param("WhatsApp Chat - Anna B", "Anna B", id="english-ios"),
    pytest.param("WhatsApp-Chat mit Anna", "Anna", id="german"),
    pytest.param("Conversa do WhatsApp com Anna", "Anna", id="portuguese"),
    pytest.param("Chat de WhatsApp con Anna", "Anna", id="spanish"),
    pytest.param("Conversación de WhatsApp con Anna", "Anna", id="spanish-alt"),
    pytest.param("Discussion WhatsApp avec Anna", "Anna", id="french"),
    pytest.param("Chat WhatsApp con Anna", "Anna", id="italian"),
    pytest.param("WhatsApp-chat met Anna", "Anna", id="dutch"),
]


@pytest.mark.parametrize("extension", [".txt", ".zip"])
@pytest.mark.parametrize(("stem", "chat"), EXPORT_NAMES)
def test_an_export_is_named_alike_as_txt_and_as_zip(stem: str, chat: str, extension: str) -> None:
    assert chat_name_from_filename(stem + extension) == chat


@pytest.mark.parametrize(("stem", "chat"), EXPORT_NAMES)
def test_a_chat_file_in_any_language_is_the_chat_of_a_zip(stem: str, chat: str) -> None:
    assert is_chat_file(stem + ".txt")


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("WhatsApp Chat with Family 🏡 (1).txt", "Family 🏡"),
        ("uploads/u1/WhatsApp Chat with Bob Smith.txt", "Bob Smith"),
        ("C:\\Users\\me\\WhatsApp Chat with Bob.zip", "Bob"),
        ("WhatsApp Chat - Family 🎉.zip", "Family 🎉"),
        ("_chat.txt", None),
        ("notes.txt", None),
        ("holiday.zip", None),
    ],
)
def test_chat_name_from_filename(filename: str, expected: str | None) -> None:
    assert chat_name_from_filename(filename) == expected


@pytest.mark.parametrize(
    ("basename", "expected"),
    [
        ("_chat.txt", True),
        ("_CHAT.TXT", True),
        ("notes.txt", False),
        ("WhatsApp Chat with Bob.zip", False),
        ("IMG-20240301-WA0003.jpg", False),
    ],
)
def test_is_chat_file(basename: str, expected: bool) -> None:
    assert is_chat_file(basename) is expected
