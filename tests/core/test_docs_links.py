"""Code that needs a measured reason links to its section of docs/benchmarks.md (the figures live there,
not in comments); every such link must lead to a heading that exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"docs/benchmarks\.md#([a-z0-9_-]+)")


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation other than '-' and '_' dropped, spaces → '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_benchmark_links_in_code_lead_to_a_section() -> None:
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    anchors = {_anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}
    links = [(path, anchor) for folder in ("bot", "handlers", "storage")
             for path in sorted((ROOT / folder).rglob("*.py"))
             for anchor in LINK.findall(path.read_text(encoding="utf-8"))]
    assert len(links) >= 10, links
    broken = [f"{path.relative_to(ROOT)}: #{anchor}" for path, anchor in links if anchor not in anchors]
    assert not broken, f"links to missing sections of docs/benchmarks.md: {broken}"
