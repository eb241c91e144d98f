"""``screen-driven``: at each rebalance, hold the names a screen passes as of that date.

Equal weight, or ``weighting: score`` (∝ the score field, or its inverse when lower is better).
With fewer than ``min_count`` names passing, ``fallback`` decides: ``previous`` (keep the last
targets, names gone since dropped), ``cash`` or ``universe`` (equal weight over every live
member). ``universe: all-a`` screens every A-share the store holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from naion.errors import ConfigError, InputError
from strategies.spec import _Strict
from strategies.types.base import UniverseSpec, score

if TYPE_CHECKING:
    import numpy as np

    from strategies.types.base import Context
    from universes.loader import Registry


class ScreenRule(_Strict):
    preset: str | None = None
    where: str | None = None
    weighting: Literal["equal", "score"] = "equal"
    score: str | None = None  # field to weight by (score weighting) or rank by
    top: int | None = Field(default=None, ge=1)
    min_count: int = Field(1, ge=1)
    fallback: Literal["previous", "cash", "universe"] = "previous"

    @model_validator(mode="after")
    def _need(self) -> ScreenRule:
        if not self.preset and not self.where:
            raise ValueError("a screen needs a preset or a where condition")
        if self.weighting == "score" and not self.score:
            raise ValueError("score weighting needs 'score: FIELD'")
        return self


class ScreenDrivenSpec(UniverseSpec):
    type: Literal["screen-driven"] = "screen-driven"
    screen: ScreenRule

    def _screen(self, ignore_membership: bool = False) -> object:
        from screener.engine import Screen

        rule = self.screen
        return Screen(
            universe=self.universe,
            segments=self.segments,
            where=rule.where,
            preset=rule.preset,
            rank_by=rule.score,
            top=rule.top,
            ignore_membership_dates=ignore_membership,
        )

    def check(self, reg: Registry) -> None:
        from screener.fields import field as get_field

        try:
            self._screen().validate()  # type: ignore[attr-defined]
            if self.screen.score and get_field(self.screen.score).kind != "number":
                raise InputError(f"screen.score {self.screen.score!r} is a text field")
        except InputError as exc:
            raise ConfigError(f"strategy {self.name}: {exc.one_line()}") from None

    def targets(self, ctx: Context, days: np.ndarray) -> np.ndarray:
        import numpy as np

        from screener.fields import field as get_field

        rule = self.screen
        key = ("screen", self.universe, tuple(self.segments or ()), rule.where, rule.preset,
               rule.score, rule.top, tuple(days), ctx.ignore_membership)  # fmt: skip
        if key not in ctx.cache:
            screen = self._screen(ctx.ignore_membership)
            ctx.cache[key] = screen.run_many(  # type: ignore[attr-defined]
                ctx.reader, [ctx.day(t) for t in days], ctx.registry
            )
        results = ctx.cache[key]
        cols, _, current = self.universe_members(ctx)
        in_universe = np.zeros(len(ctx.codes), dtype=np.bool_)
        in_universe[cols] = True
        out = np.zeros((len(days), len(ctx.codes)))
        prev = ctx.previous if ctx.previous is not None else np.zeros(len(ctx.codes))
        better_low = bool(rule.score) and get_field(rule.score).better == "low"  # type: ignore[arg-type]
        short = 0
        for r, t in enumerate(days):
            live = np.zeros(len(ctx.codes), dtype=np.bool_)
            live[cols] = ctx.live[t, cols] & current[t]
            res = results[ctx.day(t)]
            names = [
                c for c in res.rows["code"].tolist() if c in ctx.index and live[ctx.index[c]]
            ]
            w = np.zeros(len(ctx.codes))
            if len(names) >= rule.min_count:
                if rule.weighting == "score":
                    vals = dict(zip(res.rows["code"], res.rows[rule.score], strict=True))
                    sc = np.array([score(vals.get(c), better_low) for c in names])
                    sc = sc if sc.sum() > 0 else np.ones(len(names))
                else:
                    sc = np.ones(len(names))
                w[[ctx.index[c] for c in names]] = sc / sc.sum()
            else:
                short += 1
                if rule.fallback == "previous":
                    w = np.where(live, prev, 0.0)
                    if w.sum() > 0:
                        w = w * prev.sum() / w.sum()
                elif rule.fallback == "universe":
                    n = live.sum()
                    w = np.where(live, 1.0 / n, 0.0) if n else w
            out[r] = w
            prev = w
        if short:
            ctx.notes.append(
                f"screen-driven: on {short} of {len(days)} rebalance days fewer than "
                f"{rule.min_count} names passed; fallback: {rule.fallback}"
            )
        return out


SPEC = ScreenDrivenSpec
