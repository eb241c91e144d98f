"""``segment-equal``: equal weight per supply-chain segment of a universe, equal inside.

Only members current on the day (``since`` / ``until``) that hold a price count; a segment
without one is left out and the others share its weight.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from strategies.types.base import UniverseSpec, segment_equal_weights

if TYPE_CHECKING:
    import numpy as np

    from strategies.types.base import Context


class SegmentEqualSpec(UniverseSpec):
    type: Literal["segment-equal"] = "segment-equal"

    def targets(self, ctx: Context, days: np.ndarray) -> np.ndarray:
        return segment_equal_weights(self, ctx, days)


SPEC = SegmentEqualSpec
