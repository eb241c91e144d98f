"""Place a concept-board member into a supply-chain segment by rules kept in a data file.

The rules (``universes/rules/segments.yaml``) match the vendor's industry name and the
company's short name; the first rule whose conditions all hold wins and its text is kept
as the reason. No rule → ``unclassified``: a person decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from naion.errors import ConfigError

RULES_FILE = Path(__file__).parent / "rules" / "segments.yaml"
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class Rule:
    segment: str
    industry_any: tuple[str, ...] = ()
    name_any: tuple[str, ...] = ()

    def matches(self, name: str, industry: str | None) -> bool:
        if self.industry_any and not (industry and any(k in industry for k in self.industry_any)):
            return False
        return not (self.name_any and not any(k in name for k in self.name_any))

    def reason(self, name: str, industry: str | None) -> str:
        parts = []
        if self.industry_any:
            hit = next(k for k in self.industry_any if industry and k in industry)
            parts.append(f"industry {industry} ~ {hit}")
        if self.name_any:
            hit = next(k for k in self.name_any if k in name)
            parts.append(f"name ~ {hit}")
        return " and ".join(parts)


def load_rules(path: Path = RULES_FILE) -> list[Rule]:
    from naion.yamlfiles import read_yaml

    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ConfigError(f"{path}: expected a 'rules' list")
    rules = []
    for i, r in enumerate(data["rules"]):
        if not isinstance(r, dict) or "segment" not in r:
            raise ConfigError(f"{path}: rules[{i}]: needs a segment")
        unknown = set(r) - {"segment", "industry_any", "name_any"}
        if unknown:
            raise ConfigError(f"{path}: rules[{i}].{sorted(unknown)[0]}: unknown key")
        if not r.get("industry_any") and not r.get("name_any"):
            raise ConfigError(f"{path}: rules[{i}]: give industry_any and/or name_any")
        rules.append(
            Rule(
                str(r["segment"]),
                tuple(map(str, r.get("industry_any") or ())),
                tuple(map(str, r.get("name_any") or ())),
            )
        )
    return rules


def classify(name: str, industry: str | None, rules: list[Rule]) -> tuple[str, str]:
    """(segment, reason) for a company, or (``unclassified``, why not)."""
    for rule in rules:
        if rule.matches(name, industry):
            return rule.segment, rule.reason(name, industry)
    return UNCLASSIFIED, f"no rule matches (industry {industry or 'unknown'})"
