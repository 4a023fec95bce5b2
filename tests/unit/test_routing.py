import re
from pathlib import Path

import pytest

from ingestion.routing import ROUTES, route_for_key, route_for_upload

TERRAFORM = Path(__file__).resolve().parents[2] / "deploy" / "terraform"


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("IMG_1.JPG", "raw-photos/"),
        ("a.jpeg", "raw-photos/"),
        ("b.png", "raw-photos/"),
        ("c.webp", "raw-photos/"),
        ("d.HEIC", "raw-photos/"),
        ("e.heif", "raw-photos/"),
        ("WhatsApp Chat with Bob.txt", "raw-whatsapp-uploads/"),
        ("data.csv", "raw-csv/"),
        ("export.zip", "uploads-landing/"),
        ("notes.pdf", "misc/"),
        ("noextension", "misc/"),
    ],
)
def test_uploads_route_by_type(name: str, prefix: str) -> None:
    assert route_for_upload(name).prefix == prefix


def test_raw_only_goes_to_the_archive_whatever_the_type() -> None:
    assert route_for_upload("a.jpg", raw_only=True).prefix == "raw-archive/"


def test_keys_route_back_to_their_kind() -> None:
    for route in ROUTES:
        assert route_for_key(route.prefix + "1/u/x") == route
    assert route_for_key("photos/thumbnails/1/2.jpg") is None


def test_terraform_notification_filters_match_the_routing_table() -> None:
    text = "\n".join(p.read_text() for p in TERRAFORM.glob("*.tf"))
    filtered = set(re.findall(r'filter_prefix\s*=\s*"([^"]+)"', text))
    assert filtered == {route.prefix for route in ROUTES}
