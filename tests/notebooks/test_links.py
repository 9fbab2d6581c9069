"""Local links in README.md and in the teaching notebooks' markdown point at files that exist.

Checks Markdown links and images (``[text](target)``, ``![alt](target)``) and HTML
``href``/``src`` attributes. External targets (``http:``, ``https:``, ``mailto:``) and
same-page anchors (``#...``) are skipped; a relative target is resolved against the
directory of the file that holds it, without its ``#fragment`` or ``?query``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

_MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_EXTERNAL = ("http://", "https://", "mailto:", "ftp://", "data:")


def local_targets(markdown: str) -> list[str]:
    """The local link targets of ``markdown`` (code fences and inline code left out)."""
    text = _FENCE.sub("", markdown)
    text = re.sub(r"`[^`\n]*`", "", text)
    targets = _MARKDOWN_LINK.findall(text) + _HTML_LINK.findall(text)
    return [t for t in targets if not t.startswith(_EXTERNAL) and not t.startswith("#")]


def broken(markdown: str, base: Path) -> list[str]:
    """Targets of ``markdown`` that do not exist relative to ``base``."""
    missing = []
    for target in local_targets(markdown):
        path = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
        if path and not (base / path).exists():
            missing.append(target)
    return missing


def test_the_checker_sees_links() -> None:
    text = "[a](docs/x.md#part) ![b](img.png) [c](https://e.org) `[d](no.md)` <a href='y.md'>"
    assert local_targets(text) == ["docs/x.md#part", "img.png", "y.md"]
    assert broken("[ok](README.md) [bad](nope/missing.md)", ROOT) == ["nope/missing.md"]


def test_readme_links() -> None:
    readme = ROOT / "README.md"
    assert local_targets(readme.read_text(encoding="utf-8")), "README has no local links?"
    assert broken(readme.read_text(encoding="utf-8"), ROOT) == []


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_links(notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    markdown = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert broken(markdown, notebook.parent) == []
