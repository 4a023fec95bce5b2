import io
import stat
import zipfile

import pytest

from ingestion.zips import Limits, ZipRejected, plan, read_entry


def make_zip(
    entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED
) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return zipfile.ZipFile(buffer)


def test_top_level_lists_only_entries_outside_folders() -> None:
    contents = plan(make_zip({"notes.txt": b"x", "a/_chat.txt": b"nested", "/b.txt": b"y"}))
    assert [entry.name for entry in contents.top_level()] == ["notes.txt"]


def test_traversal_and_absolute_entries_are_skipped_and_reported() -> None:
    contents = plan(make_zip({"../evil.sh": b"x", "/etc/passwd": b"x", "ok.txt": b"x"}))
    assert [e.name for e in contents.entries] == ["ok.txt"]
    assert {name for name, _ in contents.skipped} == {"../evil.sh", "/etc/passwd"}


def test_symlinks_are_skipped() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    contents = plan(zipfile.ZipFile(io.BytesIO(buffer.getvalue())))
    assert contents.skipped == [("link", "symbolic link")]


def test_zip_bomb_ratio_is_refused() -> None:
    with pytest.raises(ZipRejected, match="zip bomb"):
        plan(make_zip({"zeros.bin": b"\0" * 5_000_000}))


def test_total_size_limit_is_enforced() -> None:
    archive = make_zip({"a.bin": b"a" * 1000, "b.bin": b"b" * 1000}, compression=zipfile.ZIP_STORED)
    with pytest.raises(ZipRejected, match="over the limit"):
        plan(archive, Limits(max_total_size=1500))


def test_entry_count_limit_is_enforced() -> None:
    with pytest.raises(ZipRejected, match="entries"):
        plan(make_zip({f"{i}.txt": b"x" for i in range(20)}), Limits(max_entries=10))


def test_encrypted_zip_is_refused() -> None:
    data = bytearray(make_zip({"secret.txt": b"x"}).fp.getvalue())  # type: ignore[union-attr]
    # Set the "encrypted" flag in the local and central headers, as a password-protected zip has.
    data[data.index(b"PK\x03\x04") + 6] |= 0x1
    data[data.index(b"PK\x01\x02") + 8] |= 0x1
    with pytest.raises(ZipRejected, match="encrypted"):
        plan(zipfile.ZipFile(io.BytesIO(bytes(data))))


def test_entry_bytes_are_streamed() -> None:
    archive = make_zip({"a.txt": b"hello" * 1000})
    (entry,) = plan(archive).entries
    assert b"".join(read_entry(archive, entry)) == b"hello" * 1000
