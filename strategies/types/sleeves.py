"""``sleeves``: fixed sleeves with relative member weights (core-satellite, thematic).

A name not yet listed (or gone) on a day passes its weight to the rest of its sleeve; a sleeve
with no live member is held in cash. Parameter key ``<sleeve>_weight`` sets one sleeve's
weight; the other sleeves share the rest in their original proportions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from naion.errors import ConfigError, InputError
from strategies.spec import Finite, StrategySpec, _Strict, number

if TYPE_CHECKING:
    import numpy as np

    from naion.store import Reader
    from strategies.types.base import Context
    from universes.loader import Registry


class Sleeve(_Strict):
    weight: Finite = Field(ge=0, le=1)
    members: dict[str, Finite] = Field(min_length=1)

    @field_validator("members")
    @classmethod
    def _rel(cls, v: dict[str, float]) -> dict[str, float]:
        if any(w <= 0 for w in v.values()):
            raise ValueError("relative member weights must be positive")
        return v


class SleevesSpec(StrategySpec):
    type: Literal["sleeves"] = "sleeves"
    sleeves: dict[str, Sleeve] = Field(min_length=1)

    @model_validator(mode="after")
    def _total(self) -> SleevesSpec:
        total = sum(s.weight for s in self.sleeves.values())
        if total > 1 + 1e-9:
            raise ValueError(f"sleeve weights add up to {total:g}, more than 1")
        return self

    def members(self, reg: Registry, reader: Reader | None = None) -> list[str]:
        codes = []
        for sleeve in self.sleeves.values():
            for c in sleeve.members:
                try:
                    codes.append(reg.resolve(c))
                except InputError as exc:
                    raise ConfigError(f"strategy {self.name}: {exc.one_line()}") from None
        return list(dict.fromkeys(codes))

    def sleeve_weights(self) -> dict[str, float]:
        """code → target weight when every member is live (sleeve weight x relative weight)."""
        out: dict[str, float] = {}
        for sleeve in self.sleeves.values():
            total = sum(sleeve.members.values())
            for code, rel in sleeve.members.items():
                out[code] = out.get(code, 0.0) + sleeve.weight * rel / total
        return out

    def targets(self, ctx: Context, days: np.ndarray) -> np.ndarray:
        import numpy as np

        w = np.zeros((len(days), len(ctx.codes)))
        live = ctx.live[days]
        for sleeve in self.sleeves.values():
            cols = np.array([ctx.index[ctx.registry.canonical(c)] for c in sleeve.members])
            rel = np.array(list(sleeve.members.values()), dtype=float)
            alive = live[:, cols] * rel
            total = alive.sum(axis=1, keepdims=True)
            share = np.divide(alive, total, out=np.zeros_like(alive), where=total > 0)
            np.add.at(w.T, cols, (sleeve.weight * share).T)
        return w

    def set_param(self, key: str, value: str) -> bool:
        if not key.endswith("_weight") or key[: -len("_weight")] not in self.sleeves:
            return False
        name = key[: -len("_weight")]
        x = number(key, value)
        if not 0 <= x <= 1:
            raise InputError(f"{key}={value}: a sleeve weight is between 0 and 1")
        total = sum(s.weight for s in self.sleeves.values())
        others = [n for n in self.sleeves if n != name]
        rest = sum(self.sleeves[n].weight for n in others)
        self.sleeves[name].weight = x
        for n in others:
            share = self.sleeves[n].weight / rest if rest > 0 else 1.0 / len(others)
            self.sleeves[n].weight = max(total - x, 0.0) * share
        return True

    def param_keys(self) -> list[str]:
        return [f"{n}_weight" for n in self.sleeves]


SPEC = SleevesSpec
