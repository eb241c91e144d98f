"""``valuation-tilt``: per segment equal; inside it, weights ∝ 1/field (or ∝ field) as of each
rebalance day (from the screener, point in time), no name above ``cap`` of the portfolio.

A name without a positive field value on the day gets no weight; a segment where no name has
one is held in equal weight (the run's notes count those segment-days).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from naion.errors import ConfigError
from strategies.spec import Finite, _Strict
from strategies.types.base import UniverseSpec, cap_weights, score, segment_equal_weights

if TYPE_CHECKING:
    import numpy as np

    from strategies.types.base import Context
    from universes.loader import Registry


class Tilt(_Strict):
    field: str = "pe_ttm"
    inverse: bool = True
    cap: Finite = Field(0.25, gt=0, le=1)  # max weight of one name in the whole portfolio


class ValuationTiltSpec(UniverseSpec):
    type: Literal["valuation-tilt"] = "valuation-tilt"
    tilt: Tilt = Field(default_factory=Tilt)

    def check(self, reg: Registry) -> None:
        from naion.errors import InputError
        from screener.fields import field as get_field

        try:
            f = get_field(self.tilt.field)
        except InputError as exc:
            raise ConfigError(f"strategy {self.name}: tilt.field: {exc.one_line()}") from None
        if f.kind != "number":
            raise ConfigError(
                f"strategy {self.name}: tilt.field {self.tilt.field!r} is a text field",
                hint="tilt by a number field such as pe_ttm, pb or ps_ttm",
            )

    def targets(self, ctx: Context, days: np.ndarray) -> np.ndarray:
        import numpy as np

        from screener.engine import Screen

        tilt = self.tilt
        key = ("valuation", self.universe, tuple(self.segments or ()), tilt.field, tuple(days),
               ctx.ignore_membership)  # fmt: skip
        if key not in ctx.cache:
            scr = Screen(
                universe=self.universe,
                segments=self.segments,
                columns=[tilt.field],
                ignore_membership_dates=ctx.ignore_membership,
            )
            ctx.cache[key] = scr.run_many(ctx.reader, [ctx.day(t) for t in days], ctx.registry)
        results = ctx.cache[key]
        base = segment_equal_weights(self, ctx, days)
        cols, segs, _ = self.universe_members(ctx)
        seg_names = sorted(set(segs))
        out = np.zeros_like(base)
        fallback = segment_days = 0
        for r, t in enumerate(days):
            frame = results[ctx.day(t)].all_rows
            val = dict(zip(frame["code"].tolist(), frame[tilt.field].tolist(), strict=True))
            b = base[r]
            w = np.zeros(len(ctx.codes))
            for s in seg_names:
                idx = [int(c) for c, g in zip(cols, segs, strict=True) if g == s and b[c] > 0]
                if not idx:
                    continue
                segment_days += 1
                budget = b[idx].sum()
                sc = np.array([score(val.get(ctx.codes[i]), tilt.inverse) for i in idx])
                if sc.sum() > 0:
                    w[idx] = budget * sc / sc.sum()
                else:
                    w[idx] = b[idx]
                    fallback += 1
            out[r] = cap_weights(w, tilt.cap)
        share = fallback / segment_days if segment_days else 0.0
        ctx.stats["tilt_segment_days"] = segment_days
        ctx.stats["tilt_fallback_share"] = share
        if fallback:
            ctx.notes.append(
                f"valuation-tilt: {fallback:,} of {segment_days:,} segment-days ({share:.1%}) had "
                f"no {tilt.field} and were held in equal weight"
            )
        return out


SPEC = ValuationTiltSpec
