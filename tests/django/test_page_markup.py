"""The pages' markup holds to a strict Content-Security-Policy (no 'unsafe-inline'): no inline
scripts, event-handler attributes or style attributes in any template; the values that used to
be inline styles are classes that the stylesheets define."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from chats.presenters import sender_hue, sender_hues
from gallery.presenters import SHAPES

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(
    path
    for folder in (ROOT / "templates", *ROOT.glob("*/templates"))
    for path in folder.rglob("*.html")
)
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
}


def test_templates_are_found() -> None:
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_or_style(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    found = {what: pattern.findall(text) for what, pattern in INLINE.items()}
    assert not {what: hits for what, hits in found.items() if hits}


def test_no_module_writes_inline_style_or_script() -> None:
    """HTML and SVG built in Python (charts, admin fields) follow the same rule."""
    apps = [ROOT / app for app in ("platform_site", "ingestion", "gallery", "chats", "datasets")]
    modules = [path for app in apps if app.exists() for path in app.rglob("*.py")]
    pattern = re.compile(r"""(?<![\w-])(?:style|on[a-z]+)=["\\{]|<script>|<style""", re.I)
    found = {
        str(path.relative_to(ROOT)): hits
        for path in modules
        if (hits := pattern.findall(path.read_text(encoding="utf-8")))
    }
    assert len(modules) > 30
    assert not found


def test_stylesheets_load_images_from_files_not_data_urls() -> None:
    """A policy of img-src 'self' blocks data: URLs in CSS too."""
    sheets = [p for p in ROOT.glob("**/static/**/*.css") if ".venv" not in p.parts]
    assert len(sheets) >= 4
    assert not [str(p) for p in sheets if "data:" in p.read_text(encoding="utf-8")]


def test_every_sender_hue_has_a_class_in_the_chat_stylesheet() -> None:
    css = (ROOT / "chats" / "static" / "chats" / "chats.css").read_text(encoding="utf-8")
    defined = {int(n) for n in re.findall(r"\.hue-(\d+)\s*\{\s*--hue:\s*\1;", css)}
    names = [f"person {n}" for n in range(200)]
    handed_out = {sender_hue(None), *(sender_hue(n) for n in names), *sender_hues(names).values()}
    assert handed_out <= defined


def test_every_tile_shape_has_a_class_in_the_gallery_stylesheet() -> None:
    css = (ROOT / "gallery" / "static" / "gallery" / "gallery.css").read_text(encoding="utf-8")
    defined = {
        int(n): float(value) for n, value in re.findall(r"\.ar-(\d+)\s*\{\s*--ar:\s*([\d.]+);", css)
    }
    assert set(SHAPES) <= set(defined)
    assert all(value == pytest.approx(n / 20) for n, value in defined.items())
