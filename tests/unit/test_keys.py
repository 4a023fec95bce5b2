import uuid

from ingestion.keys import MAX_NAME_BYTES, MAX_NAME_LENGTH, owner_id_from_key, raw_key, safe_name


def test_same_name_twice_gives_two_keys() -> None:
    assert raw_key("misc/", 3, "a.txt") != raw_key("misc/", 3, "a.txt")


def test_key_layout_is_prefix_owner_uuid_name() -> None:
    fixed = uuid.UUID(int=1)
    assert raw_key("raw-csv/", 42, "data.csv", object_uuid=fixed) == f"raw-csv/42/{fixed}/data.csv"


def test_path_separators_cannot_escape_the_key() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\windows\\system.ini") == "system.ini"
    assert "/" not in safe_name("a/b/c.txt")


def test_control_characters_are_removed() -> None:
    assert safe_name("bad\x00na\x1bme\n.txt") == "badname.txt"
    assert safe_name("rtl\u202egnp.exe") == "rtlgnp.exe"


def test_unicode_letters_are_kept() -> None:
    assert safe_name("Фото с моря.jpg") == "Фото_с_моря.jpg"


def test_over_long_names_keep_their_extension() -> None:
    name = safe_name("x" * 500 + ".jpeg")
    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith(".jpeg")


def test_long_names_in_wide_scripts_fit_a_file_system_name() -> None:
    # 120 CJK characters are 360 bytes in UTF-8; file systems allow 255 bytes per name.
    name = safe_name("日" * 300 + ".txt")
    assert len(name.encode()) <= MAX_NAME_BYTES < 255
    assert name.endswith(".txt") and name.startswith("日")


def test_names_with_nothing_safe_become_file() -> None:
    assert safe_name("...") == "file"
    assert safe_name("") == "file"


def test_owner_is_read_from_the_key() -> None:
    assert owner_id_from_key("misc/", "misc/12/u/a.txt") == 12
    assert owner_id_from_key("misc/", "misc/alice/u/a.txt") is None
    assert owner_id_from_key("misc/", "misc/a.txt") is None
    assert owner_id_from_key("misc/", "misc/0/u/a.txt") is None
