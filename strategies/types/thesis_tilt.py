"""``thesis-tilt``: the Na-ion cost advantage decides how much the Na-ion sleeve weighs.

On each rebalance day D (the check days of ``rebalance.calendar``)::

    naion weight = clip(advantage(D) / full_at, 0, 1) x max_weight
    otherwise    = 1 - naion weight      (another sleeve of members, or cash)

``advantage(D)`` is the thesis signal (:mod:`screener.thesis.signal`, model ``model``): the
Na-ion cell's cost advantage over LFP in CNY/Wh at the lithium carbonate price known at D's
close (rows dated on or before D; a price never carried more than the model's
``max_stale_days`` SSE trading days). Orders execute at that same close, as every order.

**When the signal is unavailable** on a rebalance day, the Na-ion weight decided on the last
rebalance day with a signal is kept (re-spread over the sleeves' members live that day);
before the first available signal the Na-ion sleeve weighs 0 (everything in ``otherwise``).
``naion rebalance`` on a day without a signal keeps the target of the last check day with one
(in its price window), else the Na-ion share of the current holdings. The run's notes name every
such stretch and what was held.

Inside a sleeve: ``members`` (code -> relative weight) or ``universe`` (equal weight over its
members current on the day); a member not priced on a day passes its weight to the rest of its
sleeve; a sleeve with no live member is held in cash. Parameters for ``--set`` / ``--grid``:
``full_at``, ``max_weight``, ``calendar`` (= ``rebalance``), ``band`` and the common keys.

The signal the run used (every day of the run, the Na-ion weight on rebalance days) is kept
with the saved run as ``signal.csv`` (see :meth:`ThesisTiltSpec.recorded`), so reports never
recompute it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from naion.errors import ConfigError, InputError
from strategies.spec import Finite, StrategySpec, _Strict

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from naion.store import Reader
    from strategies.types.base import Context
    from universes.loader import Registry


class ThesisSleeve(_Strict):
    """Either ``members`` (code -> relative weight) or ``universe`` (equal weight)."""

    title: str | None = None
    members: dict[str, Finite] | None = None
    universe: str | None = None

    @field_validator("members")
    @classmethod
    def _rel(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None and (not v or any(w <= 0 for w in v.values())):
            raise ValueError("members need positive relative weights, e.g. {300750.SZ: 1}")
        return v

    @model_validator(mode="after")
    def _one(self) -> ThesisSleeve:
        if (self.members is None) == (self.universe is None):
            raise ValueError("a sleeve names either members or a universe")
        return self

    def describe(self) -> str:
        if self.title:
            return self.title
        if self.universe is not None:
            return f"universe {self.universe}"
        return ", ".join(self.members or {})


class TiltSleeves(_Strict):
    """The two sleeves: ``naion`` and ``otherwise`` (omitted, null or ``cash``: cash)."""

    naion: ThesisSleeve
    otherwise: ThesisSleeve | None = None

    @field_validator("otherwise", mode="before")
    @classmethod
    def _cash(cls, v: Any) -> Any:
        return None if isinstance(v, str) and v.strip().lower() == "cash" else v


class ThesisTiltSpec(StrategySpec):
    type: Literal["thesis-tilt"] = "thesis-tilt"
    model: str = "na-ion-vs-lfp"  # the thesis cost model (screener/thesis/models, NAION_HOME)
    full_at: Finite = Field(0.15, gt=0, le=10)  # CNY/Wh of advantage that earns max_weight
    max_weight: Finite = Field(0.6, ge=0, le=1)  # the Na-ion sleeve's weight at full signal
    sleeves: TiltSleeves
    _recorded: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def naion(self) -> ThesisSleeve:
        return self.sleeves.naion

    @property
    def otherwise(self) -> ThesisSleeve | None:
        return self.sleeves.otherwise

    # -- members -------------------------------------------------------------------------
    def _sleeves(self) -> list[ThesisSleeve]:
        return [self.naion] + ([self.otherwise] if self.otherwise is not None else [])

    def members(self, reg: Registry, reader: Reader | None = None) -> list[str]:
        codes: list[str] = []
        for sleeve in self._sleeves():
            try:
                if sleeve.universe is not None:
                    codes += [m.code for m in reg.universe(sleeve.universe).members
                              if m.kind != "index"]  # fmt: skip
                else:
                    codes += [reg.resolve(c) for c in sleeve.members or {}]
            except InputError as exc:
                raise ConfigError(f"strategy {self.name}: {exc.one_line()}") from None
        return list(dict.fromkeys(codes))

    def check(self, reg: Registry) -> None:
        from screener.thesis.model import get_model

        try:
            get_model(self.model)
        except InputError as exc:
            raise ConfigError(f"strategy {self.name}: model: {exc.one_line()}") from None

    # -- parameters ----------------------------------------------------------------------
    def set_param(self, key: str, value: str) -> bool:
        if key != "calendar":
            return False  # full_at, max_weight, band: the common keys and paths
        from strategies.calendar import CALENDARS, normalize_calendar

        cal = normalize_calendar(str(value))
        if cal not in CALENDARS:
            raise InputError(
                f"calendar={value}: unknown calendar", hint="use D, W, M, Q, A or none"
            )
        self.rebalance = self.rebalance.model_copy(update={"calendar": cal})
        return True

    def param_keys(self) -> list[str]:
        return ["full_at", "max_weight", "calendar", "model"]

    # -- targets -------------------------------------------------------------------------
    def _sleeve_weights(self, sleeve: ThesisSleeve, ctx: Context, days: np.ndarray) -> np.ndarray:
        """``[len(days), N]`` weights of one sleeve summing to 1 on a day it has a live member."""
        import numpy as np

        w = np.zeros((len(days), len(ctx.codes)))
        if sleeve.universe is not None:
            mems = [m for m in ctx.registry.universe(sleeve.universe).members
                    if m.kind != "index" and m.code in ctx.index]  # fmt: skip
            cols = np.array([ctx.index[m.code] for m in mems], dtype=np.int64)
            rel = np.ones((len(days), len(mems)))
            if not ctx.ignore_membership:
                d = ctx.dates[days].astype("datetime64[D]")
                for j, m in enumerate(mems):
                    if m.since is not None:
                        rel[:, j] *= d >= np.datetime64(m.since, "D")
                    if m.until is not None:
                        rel[:, j] *= d <= np.datetime64(m.until, "D")
        else:
            codes = [ctx.registry.canonical(c) for c in sleeve.members or {}]
            cols = np.array([ctx.index[c] for c in codes], dtype=np.int64)
            rel = np.tile(np.array(list((sleeve.members or {}).values()), dtype=float),
                          (len(days), 1))  # fmt: skip
        if not len(cols):
            return w
        alive = ctx.live[days][:, cols] * rel
        total = alive.sum(axis=1, keepdims=True)
        share = np.divide(alive, total, out=np.zeros_like(alive), where=total > 0)
        np.add.at(w.T, cols, share.T)
        return w

    def _start(self, ctx: Context, days: np.ndarray, frame: pd.DataFrame) -> tuple[float, str]:
        """The Na-ion weight in force before ``days[0]``: the target of the last check day
        before it with a signal (``naion rebalance`` asks for one day only), else the Na-ion
        share of the holdings (``ctx.previous``), else 0."""
        import numpy as np

        from strategies.calendar import check_mask

        if len(days):
            first = int(days[0])
            ok = frame["available"].to_numpy(dtype=bool)[:first]
            check = check_mask(ctx.dates[:first], self.rebalance.calendar, self.rebalance.dates)
            rows = np.flatnonzero(check & ok)
            if len(rows):
                r = int(rows[-1])
                adv = float(frame["advantage_cny_per_wh"].iloc[r])
                why = f"the targets set on {ctx.day(r)} (advantage {adv:.4f} CNY/Wh)"
                return float(np.clip(adv / self.full_at, 0.0, 1.0)) * self.max_weight, why
        if ctx.previous is not None:
            mine = [ctx.index[c] for c in self._codes(self.naion, ctx) if c in ctx.index]
            held = min(float(np.clip(ctx.previous[mine], 0.0, None).sum()), 1.0)
            return held, "the Na-ion share of the current holdings (no signal in the window)"
        return 0.0, "no signal yet: the starting Na-ion weight 0"

    def _codes(self, sleeve: ThesisSleeve, ctx: Context) -> list[str]:
        if sleeve.universe is not None:
            return [m.code for m in ctx.registry.universe(sleeve.universe).members]
        return [ctx.registry.canonical(c) for c in sleeve.members or {}]

    def _signal(self, ctx: Context) -> tuple[Any, Any]:
        """The signal on every day of the panel (shared by a sweep's variants)."""
        from screener.thesis.model import get_model
        from screener.thesis.signal import signal

        key = ("thesis-signal", self.model)
        if key not in ctx.cache:
            model = get_model(self.model)
            sig = signal(ctx.reader, model, [ctx.day(t) for t in range(len(ctx.dates))])
            ctx.cache[key] = (sig, model)
        return ctx.cache[key]

    def targets(self, ctx: Context, days: np.ndarray) -> np.ndarray:
        import numpy as np

        sig, model = self._signal(ctx)
        frame = sig.frame
        avail = frame["available"].to_numpy(dtype=bool)[days]
        adv = frame["advantage_cny_per_wh"].to_numpy(dtype="float64")[days]
        naion = self._sleeve_weights(self.naion, ctx, days)
        other = (
            self._sleeve_weights(self.otherwise, ctx, days)
            if self.otherwise is not None
            else np.zeros_like(naion)
        )
        start, start_why = self._start(ctx, days, frame)
        tilt = np.empty(len(days))
        kept = np.zeros(len(days), dtype=bool)
        prev = start
        for r in range(len(days)):
            if avail[r]:
                prev = float(np.clip(adv[r] / self.full_at, 0.0, 1.0)) * self.max_weight
            else:
                kept[r] = True
            tilt[r] = prev
        out = tilt[:, None] * naion + (1.0 - tilt)[:, None] * other
        self._note(ctx, sig, model, days, tilt, kept, adv, naion, other, start_why)
        self._record(ctx, frame, days, tilt, kept)
        return out

    # -- what the run says and keeps -----------------------------------------------------
    def _note(
        self,
        ctx: Context,
        sig: Any,
        model: Any,
        days: np.ndarray,
        tilt: np.ndarray,
        kept: np.ndarray,
        adv: np.ndarray,
        naion: np.ndarray,
        other: np.ndarray,
        start_why: str,
    ) -> None:
        import numpy as np

        from screener.thesis.series import _stretches

        other_name = self.otherwise.describe() if self.otherwise is not None else "cash"
        ctx.notes.append(
            f"thesis-tilt: on each rebalance day the Na-ion sleeve ({self.naion.describe()})"
            f" weighs clip(advantage / {self.full_at:g}, 0, 1) x {self.max_weight:g} and the"
            f" otherwise sleeve ({other_name}) the rest; the advantage is the one known at that"
            f" day's close (model {model.name}: {model.describe_line()})"
        )
        ctx.notes += [
            f"thesis signal: {n}" for n in sig.composite.notes
            if n.startswith(("splice:", "signal unavailable"))
        ]  # fmt: skip
        for lo, hi in _stretches(kept):
            first, last = ctx.day(int(days[lo])), ctx.day(int(days[hi]))
            n = hi - lo + 1
            when = f"on {first}" if n == 1 else f"on {n} rebalance days, {first} to {last}"
            if lo == 0 or not (~kept[:lo]).any():
                source = start_why
            else:
                r = int(np.flatnonzero(~kept[:lo])[-1])
                source = (
                    f"the targets set on {ctx.day(int(days[r]))} (advantage {adv[r]:.4f} CNY/Wh)"
                )
            held_naion = float(tilt[lo])
            idle = [
                ctx.day(int(days[r]))
                for r in range(lo, hi + 1)
                if naion[r].sum() == 0 or (self.otherwise is not None
                                           and other[r].sum() == 0)
            ]  # fmt: skip
            ctx.notes.append(
                f"thesis-tilt (full_at {self.full_at:g}, max_weight {self.max_weight:g}): signal"
                f" unavailable {when}: kept {source} — Na-ion sleeve"
                f" {held_naion:.1%}, {other_name} {1 - held_naion:.1%}"
                + (f" (a sleeve without a live member was held in cash on {idle[0]})"
                   if idle else "")
            )  # fmt: skip
        if not len(days):
            ctx.notes.append("thesis-tilt: no rebalance day in the window")

    def _record(self, ctx: Context, frame: pd.DataFrame, days: np.ndarray, tilt: np.ndarray,
                kept: np.ndarray) -> None:  # fmt: skip
        import numpy as np
        import pandas as pd

        out = frame[["date", "li2co3_cny_per_t", "series", "price_date", "age_days",
                     "advantage_cny_per_wh", "available"]].copy()  # fmt: skip
        out["rebalance"] = False
        out.loc[out.index[days], "rebalance"] = True
        weight = np.full(len(out), np.nan)
        weight[days] = tilt
        out["naion_weight"] = weight
        held = np.zeros(len(out), dtype=bool)
        held[days] = kept
        out["kept_previous"] = held
        out["price_date"] = pd.to_datetime(out["price_date"]).dt.strftime("%Y-%m-%d")
        self._recorded = {"signal": out.set_index("date")}

    def recorded(self) -> dict[str, pd.DataFrame]:
        """Tables the last ``targets`` call used, kept with the saved run (``signal``)."""
        return dict(self._recorded)


SPEC = ThesisTiltSpec
