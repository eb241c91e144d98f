"""Known third-party warnings of the quantstats oracle (pandas, seaborn, matplotlib), ignored
while the tests draw it; any other warning still fails them."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager


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
