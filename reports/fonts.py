"""Matplotlib set-up for :mod:`reports.charts`: a CJK-capable font when the machine has one,
no log spam. (The reports themselves draw inline SVG with :mod:`reports.svg` and need none of
this; the browser draws their text.)

:func:`configure` runs once per process (its result is cached) and

* silences the ``matplotlib.font_manager`` logger (also hides "building the font cache"),
* registers the first CJK font found (WenQuanYi Zen Hei from Debian ``fonts-wqy-zenhei``,
  then Noto Sans CJK) and sets ``font.family = [that font, "DejaVu Sans"]``,
* or keeps DejaVu Sans alone when there is none; charts then label assets with codes and
  English names (see :func:`label`), so no "Glyph missing" warning appears either way.

It imports matplotlib only (not quantstats, whose import alone takes seconds).

:func:`quiet` wraps chart drawing: it ignores only the third-party warnings known to be
harmless (pandas ``Pandas4Warning``, seaborn's matplotlib deprecations, the
``set_ticklabels`` UserWarning) and lets any other warning through.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

CJK_FONTS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/System/Library/Fonts/PingFang.ttc"),
    Path("C:/Windows/Fonts/msyh.ttc"),
)
FALLBACK = "DejaVu Sans"

_state: dict[str, str | None] = {}


def configure(candidates: Sequence[Path] | None = None) -> str | None:
    """Set matplotlib's fonts; returns the CJK family used or None.

    The first call decides the family, unless ``candidates`` is given (tests use it to force
    the no-CJK path); every call applies the settings.
    """
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib
    from matplotlib import font_manager

    if "cjk" in _state and candidates is None:
        family = _state["cjk"]  # found once; the settings are applied again (another
    else:  # library may have reset matplotlib's rcParams since)
        family = None
        for path in CJK_FONTS if candidates is None else candidates:
            if not Path(path).is_file():
                continue
            try:
                font_manager.fontManager.addfont(str(path))
                family = font_manager.FontProperties(fname=str(path)).get_name()
            except (OSError, RuntimeError, ValueError):
                continue
            break
    families = [family, FALLBACK] if family else [FALLBACK]
    matplotlib.rcParams["font.family"] = families
    matplotlib.rcParams["font.sans-serif"] = [*families, "sans-serif"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.hashsalt"] = "naion"  # stable ids in inline SVG
    _state["cjk"] = family
    return family


def cjk_font() -> str | None:
    """The CJK family charts can use (after :func:`configure`), or None."""
    return configure()


def has_cjk(text: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in text)


def label(text: str | None, fallback: str) -> str:
    """``text`` if the chart font can draw it, else ``fallback`` (a code or English name)."""
    if not text:
        return fallback
    if has_cjk(text) and cjk_font() is None:
        return fallback
    return text


@contextmanager
def quiet() -> Iterator[None]:
    """Ignore the known third-party warnings of a report run (only those)."""
    import pandas as pd

    with warnings.catch_warnings():
        pandas4 = getattr(pd.errors, "Pandas4Warning", None)
        if pandas4 is not None:
            warnings.filterwarnings("ignore", category=pandas4)
        warnings.filterwarnings("ignore", category=PendingDeprecationWarning, module="seaborn")
        warnings.filterwarnings(
            "ignore", message=r"set_ticklabels\(\) should only be used", category=UserWarning
        )
        try:
            from matplotlib import MatplotlibDeprecationWarning
        except ImportError:  # pragma: no cover - matplotlib is a dependency
            MatplotlibDeprecationWarning = DeprecationWarning
        warnings.filterwarnings("ignore", category=MatplotlibDeprecationWarning, module="seaborn")
        yield
