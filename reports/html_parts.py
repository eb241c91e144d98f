"""HTML pieces reports add to :mod:`naion.html`: figures, a warning banner, the notes block
injected into quantstats' tear sheet, and the offline check (no external reference).

Candidates to move into ``naion/html.py`` once stable: :data:`EXTRA_CSS` (``.warn`` and
``figure.chart``) and :func:`figure`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from naion import html as h

EXTRA_CSS = """
.warn { border-left: 4px solid #b54708; background: #fffaeb; padding: 8px 12px;
        margin: 12px 0; }
figure.chart svg { width: 100%; height: auto; display: block; }
.small { color: var(--muted); font-size: 12px; }
"""

# The notes block lives inside quantstats' page, whose CSS styles every table and heading:
# everything here is scoped to .naion-notes and overrides what it must.
NOTES_CSS = """
.naion-notes { clear: both; margin: 0 0 26px; padding: 12px 16px; background: #f6f8fa;
               border: 1px solid #d9dee5; border-left: 4px solid #0b6e4f;
               font: 13px/1.45 Arial, "WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif; }
.naion-notes h2 { font-size: 16px; font-weight: 700; margin: 0 0 6px; }
.naion-notes h3 { font-size: 13px; font-weight: 700; margin: 10px 0 4px; }
.naion-notes dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px;
                  margin: 4px 0; }
.naion-notes dt { color: #5b6675; } .naion-notes dd { margin: 0; }
.naion-notes ul { margin: 4px 0; padding-left: 18px; }
.naion-notes table { margin: 4px 0 6px; width: 100%; border-collapse: collapse; }
.naion-notes table th, .naion-notes table td { text-align: left !important;
    padding: 3px 6px; border-bottom: 1px solid #d9dee5; font-size: 12px; }
.naion-notes table thead th { background: #eef1f5; }
"""

_EXTERNAL = re.compile(
    r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s\"'<>)]*", re.IGNORECASE)


def figure(svg: str, caption: str = "") -> str:
    cap = f"<figcaption>{h.esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="chart">{svg}{cap}</figure>'


def warn(text: str) -> str:
    return f'<div class="warn" role="alert"><strong>Note:</strong> {h.esc(text)}</div>'


def section(title: str, *parts: str) -> str:
    return f"<h2>{h.esc(title)}</h2>" + "".join(parts)


def notes_block(
    title: str,
    facts: Mapping[str, str],
    conventions: Sequence[str],
    assets_table: str,
    notes: Sequence[str],
) -> str:
    """The "Notes" block for the top of a tear sheet (uses :data:`NOTES_CSS`)."""
    parts = [
        f"<style>{NOTES_CSS}</style>",
        '<section class="naion-notes" id="naion-notes">',
        f"<h2>{h.esc(title)}</h2>",
        h.meta_list(facts),
        "<h3>Money conventions</h3>",
        h.notes_list(conventions) or "<p>—</p>",
        "<h3>Prices used per asset</h3>",
        assets_table,
    ]
    if notes:
        parts += ["<h3>Run notes</h3>", h.notes_list(notes)]
    parts.append("</section>")
    return "".join(parts)


def external_refs(html: str) -> list[str]:
    """Attributes or CSS urls that would make a browser fetch something off the page."""
    return [m.group(0) for m in _EXTERNAL.finditer(html)]


def urls(html: str) -> list[str]:
    """Every ``http(s)://`` string in the page (links, namespaces, text)."""
    return _URL.findall(html)
