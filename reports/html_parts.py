"""HTML pieces reports add to :mod:`naion.html`: figures, a warning banner, sections, and the
offline check (no external reference).

Candidates to move into ``naion/html.py`` once stable: :data:`EXTRA_CSS` (``.warn`` and
``figure.chart``) and :func:`figure`.
"""

from __future__ import annotations

import re

from naion import html as h

EXTRA_CSS = """
.warn { border-left: 4px solid #b54708; background: #fffaeb; padding: 8px 12px;
        margin: 12px 0; }
figure.chart svg { width: 100%; height: auto; display: block; }
.small { color: var(--muted); font-size: 12px; }
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


def external_refs(html: str) -> list[str]:
    """Attributes or CSS urls that would make a browser fetch something off the page."""
    return [m.group(0) for m in _EXTERNAL.finditer(html)]


def urls(html: str) -> list[str]:
    """Every ``http(s)://`` string in the page (links, namespaces, text)."""
    return _URL.findall(html)
