"""A parser-level check of naion's HTML: every element and attribute is one naion emits, the
only script is the shared table sorter, and text from data stays text."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "div",
    "span", "main", "footer", "script", "section", "p", "ul", "li", "dl", "dt", "dd", "table",
    "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "svg", "path", "line", "rect",
    "text", "i", "strong", "code",
}  # fmt: skip
ATTRS = {
    "lang", "charset", "name", "content", "class", "id", "style", "role", "colspan",
    "aria-label", "aria-sort", "data-v", "data-month", "viewbox", "d", "x", "y", "x1", "x2",
    "y1", "y2",
    "width", "height", "fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray",
    "stroke-linejoin", "text-anchor",
}  # fmt: skip


@dataclass
class Parsed:
    elements: list[tuple[str, list[tuple[str, str | None]]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Parsed()
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.elements.append((tag, attrs))
        if tag in ("script", "style"):
            self._in = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.elements.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.out.scripts.append(data)
        elif self._in == "style":
            self.out.styles.append(data)
        else:
            self.out.text.append(data)


def parse(page: str) -> Parsed:
    p = _Collector()
    p.feed(page)
    p.close()
    return p.out


def problems(page: str, allowed_scripts: tuple[str, ...]) -> list[str]:
    """Everything in ``page`` naion does not emit: unknown elements or attributes, event
    handlers, javascript: URLs, scripts other than ``allowed_scripts``."""
    parsed = parse(page)
    bad = []
    for tag, attrs in parsed.elements:
        if tag not in TAGS:
            bad.append(f"element <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name not in ATTRS:
                bad.append(f"attribute {name}= on <{tag}>")
            if value and "javascript:" in value.lower().replace(" ", ""):
                bad.append(f"javascript: URL in {name}= on <{tag}>")
    for script in parsed.scripts:
        if script not in allowed_scripts:
            bad.append(f"script {script[:60]!r}")
    return bad
