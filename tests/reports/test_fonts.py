"""Fonts: a CJK font when there is one, DejaVu Sans and English labels when not; no noise."""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from reports import fonts

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def _chinese_chart() -> str:
    from reports import charts

    s = pd.Series([1.0, 2.0], index=["宁德时代", "比亚迪"])
    return charts.bar_chart(s, "钠离子 chart")


def test_font_manager_is_silenced() -> None:
    fonts.configure()
    assert logging.getLogger("matplotlib.font_manager").level >= logging.ERROR


def test_cjk_font_registered_when_present() -> None:
    if not WQY.exists():
        pytest.skip("fonts-wqy-zenhei not installed")
    family = fonts.configure()
    assert family == "WenQuanYi Zen Hei"
    assert matplotlib.rcParams["font.family"][:2] == ["WenQuanYi Zen Hei", "DejaVu Sans"]
    assert fonts.label("宁德时代", "CATL") == "宁德时代"
    svg = _chinese_chart()  # filterwarnings=error: a "Glyph missing" warning would fail
    assert "WenQuanYiZenHei" in svg


def test_fallback_without_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_state", {})
    with matplotlib.rc_context():
        assert fonts.configure(candidates=[Path("/nonexistent/font.ttc")]) is None
        assert matplotlib.rcParams["font.family"] == ["DejaVu Sans"]
        assert fonts.label("宁德时代", "CATL") == "CATL"
        assert fonts.label("Albemarle", "ALB") == "Albemarle"
        assert fonts.label(None, "ALB") == "ALB"


def test_quiet_lets_other_warnings_through() -> None:
    import warnings

    with pytest.warns(RuntimeWarning), fonts.quiet():
        warnings.warn("something else", RuntimeWarning, stacklevel=1)


def test_fallback_charts_use_english_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from reports import charts

    monkeypatch.setattr(fonts, "_state", {})
    with matplotlib.rc_context():
        fonts.configure(candidates=[])
        names = [fonts.label(zh, en) for zh, en in (("宁德时代", "CATL"), ("比亚迪", "BYD"))]
        assert names == ["CATL", "BYD"]
        s = pd.Series([1.0, 2.0], index=names)
        svg = charts.bar_chart(s, "fallback")  # a Chinese label would warn (error) here
        assert "WenQuanYi" not in svg


def test_configure_imports_matplotlib_only() -> None:
    """Font set-up no longer imports quantstats (seconds of seaborn and scipy)."""
    import subprocess
    import sys

    code = (
        "import sys; from reports import fonts; fonts.configure(); fonts.configure(); "
        "print(','.join(m for m in ('quantstats', 'seaborn', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
