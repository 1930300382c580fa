"""Docs that stay true: every relative link and anchor in README.md and docs/*.md leads somewhere.

A link is followed as GitHub renders it: a path relative to the page (a file or a folder of the
repository), optionally with ``#anchor``, where the anchor is a heading's GitHub slug (lower
case, punctuation dropped, spaces to hyphens, ``-1``, ``-2`` ... for repeats) or an explicit
``<a id="...">``/``<a name="...">``. External links (``https:``, ``mailto:``) are not fetched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
# [text](target "title") and ![alt](target); the text may hold brackets one level deep
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.MULTILINE)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
EXPLICIT_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"", re.IGNORECASE)


def prose(markdown: str) -> str:
    """The page without fenced code blocks: a link in a code sample is not a link."""
    return FENCE.sub("", markdown)


def slug(heading: str) -> str:
    """GitHub's heading anchor: markup dropped, lower case, punctuation gone, spaces to '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "").replace("*", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)  # \w keeps letters and digits of any script, and _
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    text = prose(page.read_text())
    for match in HEADING.finditer(text):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    found.update(EXPLICIT_ANCHOR.findall(text))
    return found


def links(page: Path) -> list[str]:
    text = INLINE_CODE.sub("", prose(page.read_text()))
    return LINK.findall(text) + REFERENCE_DEFINITION.findall(text)


def dead_links(page: Path, root: Path = ROOT) -> list[str]:
    dead = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # https:, mailto: ...: not ours to follow
        path, _, anchor = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        if not destination.exists():
            dead.append(f"{target}: no such file")
        elif root.resolve() not in (destination, *destination.parents):
            dead.append(f"{target}: outside the repository")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            dead.append(f"{target}: no heading #{anchor} in {destination.name}")
    return dead


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_relative_link_and_anchor_leads_somewhere(page: Path):
    assert dead_links(page) == []


def test_the_pages_link_to_each_other():
    """The checker is not vacuous: the pages do link, with anchors, and all are seen."""
    targets = [target for page in PAGES for target in links(page)]
    assert any("#" in target and not target.startswith("http") for target in targets)
    assert len(PAGES) > 5


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("NT24-led verification (mode B)", "nt24-led-verification-mode-b"),
        ("Mail catcher (`/mail`, SMTP)", "mail-catcher-mail-smtp"),
        ("The NT24 Integration API in five minutes", "the-nt24-integration-api-in-five-minutes"),
        ("Art. 45a: two independent issuers", "art-45a-two-independent-issuers"),
        ("[Quickstart](docs/quickstart.md) — curl", "quickstart--curl"),
    ],
)
def test_anchors_are_githubs(heading: str, anchor: str):
    assert slug(heading) == anchor


def test_a_dead_link_is_caught(tmp_path: Path):
    (tmp_path / "other.md").write_text("# Only heading\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#only-heading) [no file](missing.md) [no anchor](other.md#verification)\n"
        "```\n[in code](nowhere.md)\n```\n"
    )
    assert dead_links(page, tmp_path) == [
        "missing.md: no such file",
        "other.md#verification: no heading #verification in other.md",
    ]
