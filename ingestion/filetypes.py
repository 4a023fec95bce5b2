"""What kind of file a stored object is, as the library shows it: an icon and a short label.
Pure: no Django.

The ledger's kind says what the platform did with a file (photo, chat, CSV, zip, kept as is);
for files kept as is the name's extension (or the browser's content type) tells a PDF from a
video.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.routing import Kind, extension_of


@dataclass(frozen=True)
class FileType:
    icon: str  # the name of an SVG in ingestion/static/ingestion/icons/
    label: str


BY_KIND = {
    Kind.PHOTO: FileType("image", "Photo"),
    Kind.CHAT: FileType("chat", "WhatsApp chat"),
    Kind.CSV: FileType("table", "CSV dataset"),
    Kind.ZIP: FileType("zip", "Zip archive"),
}
BY_EXTENSION = {
    **dict.fromkeys(("pdf",), FileType("pdf", "PDF document")),
    **dict.fromkeys(
        ("mp4", "mov", "m4v", "webm", "mkv", "avi", "3gp", "wmv", "mpg", "mpeg"),
        FileType("video", "Video"),
    ),
    **dict.fromkeys(
        ("mp3", "m4a", "aac", "wav", "ogg", "oga", "opus", "flac", "wma"),
        FileType("audio", "Audio"),
    ),
    **dict.fromkeys(
        ("jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "bmp", "tif", "tiff", "svg", "raw"),
        FileType("image", "Image"),
    ),
    **dict.fromkeys(
        ("txt", "md", "log", "json", "xml", "yaml", "yml", "ini", "rtf"), FileType("text", "Text")
    ),
    **dict.fromkeys(
        ("doc", "docx", "odt", "pages", "epub", "ppt", "pptx", "odp", "key"),
        FileType("document", "Document"),
    ),
    **dict.fromkeys(
        ("csv", "tsv", "xls", "xlsx", "ods", "numbers", "parquet"),
        FileType("table", "Spreadsheet"),
    ),
    **dict.fromkeys(
        ("zip", "tar", "gz", "tgz", "bz2", "xz", "7z", "rar"), FileType("zip", "Archive")
    ),
}
BY_CONTENT_TYPE = {
    "video": BY_EXTENSION["mp4"],
    "audio": BY_EXTENSION["mp3"],
    "image": BY_EXTENSION["png"],
    "text": BY_EXTENSION["txt"],
}
OTHER = FileType("file", "File")


def file_type(kind: str, name: str, content_type: str = "") -> FileType:
    if kind in BY_KIND:
        return BY_KIND[Kind(kind)]
    found = BY_EXTENSION.get(extension_of(name))
    if found is None:
        found = BY_CONTENT_TYPE.get(content_type.partition("/")[0], OTHER)
    return found


ICONS = sorted({t.icon for t in (*BY_KIND.values(), *BY_EXTENSION.values(), OTHER)})
