"""Strategy types: one module each, found here by name (no list to edit elsewhere).

A type module ``strategies/types/<name>.py`` (``thesis_tilt.py`` holds type ``thesis-tilt``)
defines ``SPEC``, a subclass of :class:`strategies.spec.StrategySpec` with
``type: Literal["<type-name>"]``, its own fields
(the parameter model) and two methods:

``members(reg, reader)``
    every code the strategy may hold (canonical codes; a universe's members, named codes...)
``targets(ctx, days)``
    target weights ``[len(days), N]`` over ``ctx.codes`` on the panel rows ``days``, using
    only what is known on each day (``ctx.live`` = priced and listed; the screener as of the
    day; ``ctx.current(...)`` = universe membership dates). A row sums to <= 1; the rest is
    cash. See :class:`strategies.types.base.Context` for everything a type may read.

Optional: ``universe_name()``, ``check(reg)`` (refuse what the file alone cannot show),
``set_param(key, value)`` / ``param_keys()`` (keys of its own for ``--set`` and ``--grid``).

The spec union, the engine, the sweep and ``naion rebalance`` call only these methods, so a
new type (e.g. ``thesis-tilt``) is one new file here and nothing else::

    # strategies/types/thesis_tilt.py
    from typing import Literal
    from strategies.types.base import UniverseSpec, segment_equal_weights

    class ThesisTiltSpec(UniverseSpec):
        type: Literal["thesis-tilt"] = "thesis-tilt"
        tilt: dict[str, float] = {}

        def targets(self, ctx, days):
            w = segment_equal_weights(self, ctx, days)
            ...  # tilt the rows
            return w

    SPEC = ThesisTiltSpec
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from strategies.spec import StrategySpec

_REGISTRY: dict[str, type[StrategySpec]] = {}
_ORDER = ("sleeves", "segment-equal", "valuation-tilt", "screen-driven")


def names() -> list[str]:
    """Every type name (module ``foo_bar.py`` holds type ``foo-bar``), without importing."""
    import pkgutil

    found = [
        info.name.replace("_", "-")
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_") and info.name != "base"
    ]
    rank = {n: i for i, n in enumerate(_ORDER)}
    return sorted(found, key=lambda n: (rank.get(n, 99), n))


def spec_class(name: str) -> type[StrategySpec]:
    """The spec model of type ``name`` (its module is imported on first use)."""
    if name not in _REGISTRY:
        import importlib

        module = importlib.import_module(f"{__name__}.{name.replace('-', '_')}")
        cls = getattr(module, "SPEC", None)
        if cls is None or cls.model_fields["type"].default != name:
            raise RuntimeError(f"strategies.types.{module.__name__} must define SPEC of {name!r}")
        _REGISTRY[name] = cls
    return _REGISTRY[name]


def registry() -> dict[str, type[StrategySpec]]:
    """Type name → spec model, for every module of this package."""
    return {n: spec_class(n) for n in names()}
