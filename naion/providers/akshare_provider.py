"""The akshare provider: live data from Eastmoney, Tencent, Sina and THS through akshare.

Every public method tries a primary akshare function and then its fallbacks
(:func:`~naion.providers.base.first_of`), each call wrapped in
:func:`~naion.providers.base.with_retry`. A vendor frame is checked twice: first for the
vendor columns this module reads (a renamed or missing column names the function and the
column), then against the naion schema (:mod:`naion.frames`). Anything that goes wrong
leaves a public method as one :class:`~naion.errors.ProviderError`.

Units: prices in the listing currency, volume in shares (Eastmoney A-share and index volume
comes in lots of 100 and is converted), traded value in the listing currency, FX as units of
the quote currency per 1 unit of the base currency.

Most akshare functions never call ``raise_for_status``: an HTTP 500 or 429 surfaces as a JSON
parse error. To retry those, calls run with a small tap on ``requests.Session.send`` (installed
once, inert outside this module's calls, per thread) that remembers the last response of the
current call and gives every request without a timeout the provider's timeout. A failed call
whose last answer was an HTTP error is re-raised as ``requests.HTTPError``; one whose last
answer was Eastmoney's ``{"data": null}`` (unknown symbol) as a ProviderError naming that.
When a request finds no network at all (name resolution fails, no route), the tap says so
at once and, for a minute, answers every later request the same way: a machine without
network fails in well under a second instead of sitting through every retry's backoff.

akshare and pandas are imported lazily: importing this module stays cheap.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from naion.errors import ProviderError
from naion.frames import (
    BARS,
    CALENDAR,
    EPS,
    FX,
    MEMBERS,
    VALUATION,
    FrameSchema,
    SchemaMismatch,
)
from naion.providers.base import (
    COMMODITIES,
    COMMODITY,
    RetryPolicy,
    SecurityRef,
    describe,
    first_of,
    with_retry,
)

if TYPE_CHECKING:
    import pandas as pd
    import requests

log = logging.getLogger(__name__)

ADJUST = {"none": "", "qfq": "qfq"}  # naion adjust -> akshare adjust

# vendor columns -> BARS columns
_EM_BARS = {
    "日期": "date",
    "开盘": "open",
    "最高": "high",
    "最低": "low",
    "收盘": "close",
    "成交量": "volume",
    "成交额": "amount",
}
_EN_BARS = {
    "date": "date",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "volume": "volume",
    "amount": "amount",
}
_EN_OHLCV = {k: v for k, v in _EN_BARS.items() if k != "amount"}
_EN_OHLC = {k: v for k, v in _EN_BARS.items() if k not in ("volume", "amount")}
_GLOBAL_EM = {"日期": "date", "今开": "open", "最高": "high", "最低": "low", "最新价": "close"}

# Eastmoney US market prefixes by exchange (NYSE Arca and NYSE American ETFs are "107" there)
_US_PREFIX = {
    "NASDAQ": "105",
    "NYSE": "106",
    "NYSE ARCA": "107",
    "NYSEARCA": "107",
    "ARCA": "107",
    "AMEX": "107",
    "NYSE AMERICAN": "107",
    "NYSE MKT": "107",
}
# naion US index code -> (Sina symbol, Eastmoney global index name)
_US_INDEX = {"SPX": (".INX", "标普500"), "DJI": (".DJI", "道琼斯")}
# FX pair -> (Eastmoney forex code, BOC currency name(s) for the Sina fallback)
_FX = {
    "USDCNY": ("USDCNYC", ("美元",)),
    "HKDCNY": ("HKDCNYC", ("港币",)),
    "USDHKD": ("USDHKD", ("美元", "港币")),
}

_A_CODE = re.compile(r"^(\d{6})\.(SH|SZ|BJ)$")
_INDEX_CODE = re.compile(r"^(\d{6})\.(SH|SZ|BJ|CSI)$")
_HK_CODE = re.compile(r"^(\d{1,5})\.HK$")
_SIX = re.compile(r"^\d{6}$")
_EPS_COLUMN = re.compile(r"^(\d{4})预测每股收益$")
_NO_VALUE = {"", "-", "--", "nan", "None"}


class AkshareProvider:
    """Provider backed by akshare (Eastmoney first, Tencent/Sina/THS as fallbacks)."""

    name = "akshare"

    def __init__(self, retry: RetryPolicy | None = None, timeout: float = 15.0) -> None:
        self.retry = retry if retry is not None else RetryPolicy()
        self.timeout = timeout

    # ------------------------------------------------------------------ bars

    def bars(self, sec: SecurityRef, adjust: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        start, end = _span(sec.code, start, end)
        market = (sec.market or "").upper()
        if market == "INDEX":
            if adjust != "none":
                raise ProviderError(
                    f"{sec.code}: adjust {adjust!r} does not apply to an index",
                    hint="use adjust 'none' for an index",
                )
            attempts = self._index_attempts(sec, start, end)
        else:
            if adjust not in ADJUST:
                raise ProviderError(
                    f"{sec.code}: adjust {adjust!r} is not supported by akshare",
                    hint="use 'none' (unadjusted) or 'qfq' (forward-adjusted)",
                )
            if market == "A":
                attempts = self._a_attempts(sec, ADJUST[adjust], start, end)
            elif market == "HK":
                attempts = self._hk_attempts(sec, ADJUST[adjust], start, end)
            elif market == "US":
                attempts = self._us_attempts(sec, ADJUST[adjust], start, end)
            else:
                raise ProviderError(
                    f"{sec.code}: unknown market {sec.market!r}", hint="use A, HK, US or INDEX"
                )
        return self._first(f"{sec.code} daily bars", attempts, empty_ok=True)

    def _a_attempts(
        self, sec: SecurityRef, adj: str, start: dt.date, end: dt.date
    ) -> list[tuple[str, Callable[[], pd.DataFrame]]]:
        six, exchange = _a_parts(sec.code)
        em_symbol = sec.vendor_codes.get("em", six)
        tx_symbol = sec.vendor_codes.get("tx", f"{exchange.lower()}{six}")
        # stock_zh_a_hist_tx converts lots to shares except for codes starting sh688, sz399,
        # sh000 and sz000: STAR (688) and indices are already in shares at Tencent, but SZ
        # main-board stocks 000xxx are in lots like every other board -> finish the job here.
        tx_factor = 100.0 if tx_symbol.lower().startswith("sz000") else 1.0

        def em() -> pd.DataFrame:
            raw = self._vendor(
                "stock_zh_a_hist",
                symbol=em_symbol,
                period="daily",
                start_date=_ymd(start),
                end_date=_ymd(end),
                adjust=adj,
                timeout=self.timeout,
            )
            return _bars(raw, _EM_BARS, 100.0, start, end)  # 成交量 in lots

        def tx() -> pd.DataFrame:
            raw = self._vendor(
                "stock_zh_a_hist_tx",
                symbol=tx_symbol,
                start_date=start.isoformat(),
                end_date=end.isoformat(),
                adjust=adj,
                timeout=self.timeout,
            )
            return _bars(raw, _EN_BARS, tx_factor, start, end)

        return [("stock_zh_a_hist", em), ("stock_zh_a_hist_tx", tx)]

    def _hk_attempts(
        self, sec: SecurityRef, adj: str, start: dt.date, end: dt.date
    ) -> list[tuple[str, Callable[[], pd.DataFrame]]]:
        m = _HK_CODE.match(sec.code)
        if not m and "em" not in sec.vendor_codes:
            raise ProviderError(f"{sec.code}: not an HK code", hint="write it like 1211.HK")
        five = f"{int(m.group(1)):05d}" if m else sec.vendor_codes["em"]
        em_symbol = sec.vendor_codes.get("em", five)
        sina_symbol = sec.vendor_codes.get("sina", five)

        def em() -> pd.DataFrame:
            raw = self._vendor(
                "stock_hk_hist",
                symbol=em_symbol,
                period="daily",
                start_date=_ymd(start),
                end_date=_ymd(end),
                adjust=adj,
            )
            return _bars(raw, _EM_BARS, 1.0, start, end)  # HK volume is in shares

        def sina() -> pd.DataFrame:
            raw = self._vendor("stock_hk_daily", symbol=sina_symbol, adjust=adj)
            return _bars(raw, _EN_OHLCV, 1.0, start, end)

        return [("stock_hk_hist", em), ("stock_hk_daily", sina)]

    def _us_attempts(
        self, sec: SecurityRef, adj: str, start: dt.date, end: dt.date
    ) -> list[tuple[str, Callable[[], pd.DataFrame]]]:
        ticker = sec.code.strip().upper()
        if "em" in sec.vendor_codes:
            em_symbols = [sec.vendor_codes["em"]]
        else:
            em_ticker = ticker.replace(".", "_")  # BRK.B is BRK_B at Eastmoney
            prefix = _US_PREFIX.get((sec.exchange or "").strip().upper())
            prefixes = [prefix] if prefix else ["105", "106", "107"]
            em_symbols = [f"{p}.{em_ticker}" for p in prefixes]
        sina_symbol = sec.vendor_codes.get("sina", ticker)

        def em(symbol: str) -> Callable[[], pd.DataFrame]:
            def call() -> pd.DataFrame:
                raw = self._vendor(
                    "stock_us_hist",
                    symbol=symbol,
                    period="daily",
                    start_date=_ymd(start),
                    end_date=_ymd(end),
                    adjust=adj,
                )
                return _bars(raw, _EM_BARS, 1.0, start, end)  # US volume is in shares

            return call

        def sina() -> pd.DataFrame:
            raw = self._vendor("stock_us_daily", symbol=sina_symbol, adjust=adj)
            return _bars(raw, _EN_OHLCV, 1.0, start, end)

        name = "stock_us_hist" if len(em_symbols) == 1 else "stock_us_hist({})"
        attempts = [(name.format(s), em(s)) for s in em_symbols]
        return [*attempts, ("stock_us_daily", sina)]

    def _index_attempts(
        self, sec: SecurityRef, start: dt.date, end: dt.date
    ) -> list[tuple[str, Callable[[], pd.DataFrame]]]:
        code = sec.code.strip().upper()
        if code in _US_INDEX:
            sina_symbol, em_name = _US_INDEX[code]

            def sina() -> pd.DataFrame:
                raw = self._vendor("index_us_stock_sina", symbol=sina_symbol)
                return _bars(raw, _EN_OHLCV, 1.0, start, end)

            def em_global() -> pd.DataFrame:
                raw = self._vendor("index_global_hist_em", symbol=em_name)
                return _bars(raw, _GLOBAL_EM, 1.0, start, end)

            return [("index_us_stock_sina", sina), ("index_global_hist_em", em_global)]

        m = _INDEX_CODE.match(code)
        if not m and "em" not in sec.vendor_codes:
            raise ProviderError(
                f"{sec.code}: akshare knows no such index",
                hint="use e.g. 000300.SH, 399006.SZ or SPX",
            )
        default = f"{m.group(2).lower()}{m.group(1)}" if m else sec.vendor_codes["em"]
        em_symbol = sec.vendor_codes.get("em", default)
        tx_symbol = sec.vendor_codes.get("tx", default)

        def em() -> pd.DataFrame:
            raw = self._vendor(
                "stock_zh_index_daily_em",
                symbol=em_symbol,
                start_date=_ymd(start),
                end_date=_ymd(end),
            )
            return _bars(raw, _EN_BARS, 100.0, start, end)  # index volume is in lots

        def tx() -> pd.DataFrame:
            # its 6th field, which akshare calls "amount", is really Tencent's volume (unit
            # unstated): keep prices only
            raw = self._vendor(
                "stock_zh_index_daily_tx",
                symbol=tx_symbol,
                start_date=_ymd(start),
                end_date=_ymd(end),
            )
            return _bars(raw, _EN_OHLC, 1.0, start, end)

        attempts = [("stock_zh_index_daily_em", em)]
        if tx_symbol[:2] in ("sh", "sz"):
            attempts.append(("stock_zh_index_daily_tx", tx))
        return attempts

    # ------------------------------------------------------------------ fx

    def fx(self, pair: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        key = pair.strip().upper().replace("/", "")
        if key not in _FX:
            raise ProviderError(
                f"fx pair {pair!r} is not supported by the akshare provider",
                hint=f"use one of {', '.join(_FX)}",
            )
        start, end = _span(key, start, end)
        em_symbol, boc_names = _FX[key]

        def em() -> pd.DataFrame:
            raw = self._vendor("forex_hist_em", symbol=em_symbol)
            _need(raw, ["日期", "最新价"])
            _numbers(raw, ["最新价"])
            return _fit(FX, _frame({"date": raw["日期"], "rate": raw["最新价"]}), start, end)

        def boc(name: str) -> pd.DataFrame:
            raw = self._vendor(
                "currency_boc_sina", symbol=name, start_date=_ymd(start), end_date=_ymd(end)
            )
            _need(raw, ["日期", "央行中间价"])
            _numbers(raw, ["央行中间价"])
            # quoted in CNY per 100 units of the foreign currency
            return _fit(
                FX, _frame({"date": raw["日期"], "rate": raw["央行中间价"] / 100.0}), start, end
            )

        def boc_pair() -> pd.DataFrame:
            if len(boc_names) == 1:
                return boc(boc_names[0])
            base, quote = (boc(n) for n in boc_names)  # both in CNY: base/quote = base per quote
            both = base.merge(quote, on="date", suffixes=("_base", "_quote"))
            rate = both["rate_base"] / both["rate_quote"]
            return _fit(FX, _frame({"date": both["date"], "rate": rate}), start, end)

        return self._first(
            f"fx {key}", [("forex_hist_em", em), ("currency_boc_sina", boc_pair)], empty_ok=True
        )

    # ------------------------------------------------------------------ valuation

    def valuation(self, sec: SecurityRef, start: dt.date, end: dt.date) -> pd.DataFrame:
        if (sec.market or "").upper() != "A":
            raise ProviderError(
                f"{sec.code}: valuation history is available for A-shares only",
                hint="akshare stock_value_em covers Shanghai, Shenzhen and Beijing listings",
            )
        start, end = _span(sec.code, start, end)
        six, _ = _a_parts(sec.code)
        symbol = sec.vendor_codes.get("em", six)
        columns = {
            "数据日期": "date",
            "PE(TTM)": "pe_ttm",
            "PE(静)": "pe_static",
            "市净率": "pb",
            "市销率": "ps_ttm",
            "PEG值": "peg",
            "总市值": "total_mv",
            "总股本": "total_share",
        }

        def em() -> pd.DataFrame:
            raw = self._vendor("stock_value_em", symbol=symbol)
            _need(raw, list(columns))
            _numbers(raw, [c for c in columns if c != "数据日期"])
            frame = _frame({eng: raw[src] for src, eng in columns.items()})
            return _fit(VALUATION, frame, start, end)

        return self._first(f"{sec.code} valuation", [("stock_value_em", em)], empty_ok=True)

    # ------------------------------------------------------------------ consensus EPS

    def consensus_eps(self, codes: Sequence[SecurityRef]) -> pd.DataFrame:
        import pandas as pd

        bulk: dict[str, Any] = {}

        def em_table() -> pd.DataFrame:
            if "error" in bulk:
                raise bulk["error"]
            if "table" not in bulk:
                try:
                    bulk["table"] = _em_forecast(self._vendor("stock_profit_forecast_em"))
                except Exception as exc:
                    bulk["error"] = exc
                    raise
            return bulk["table"]

        parts = []
        seen: set[str] = set()
        for sec in codes:
            if (sec.market or "").upper() != "A":
                log.info("%s: no consensus EPS source for market %s", sec.code, sec.market)
                continue
            six, exchange = _a_parts(sec.code)
            code = f"{six}.{exchange}"
            if code in seen:
                continue
            seen.add(code)

            def em(six: str = six, code: str = code) -> pd.DataFrame:
                table = em_table()
                rows = table[table["six"] == six]
                return _eps_rows(code, rows["year"], rows["eps"], rows["analysts"])

            def ths(six: str = six, code: str = code) -> pd.DataFrame:
                raw = self._vendor(
                    "stock_profit_forecast_ths", symbol=six, indicator="预测年报每股收益"
                )
                if raw.shape[1] == 0:  # "本年度暂无机构做出业绩预测": no forecasts
                    return _eps_rows(code, [], [], [])
                _need(raw, ["年度", "预测机构数", "均值"])
                years = pd.to_numeric(raw["年度"].astype("str").str.slice(0, 4), errors="coerce")
                mean = pd.to_numeric(raw["均值"], errors="coerce")
                return _eps_rows(
                    code, years, mean, pd.to_numeric(raw["预测机构数"], errors="coerce")
                )

            parts.append(
                self._first(
                    f"{code} consensus EPS",
                    [("stock_profit_forecast_em", em), ("stock_profit_forecast_ths", ths)],
                    empty_ok=True,
                )
            )
        if not parts:
            return _fit(EPS, _eps_rows("", [], [], []))
        return _fit(EPS, pd.concat(parts, ignore_index=True))

    # ------------------------------------------------------------------ boards, industry

    def board_members(self, board: str) -> pd.DataFrame:
        def em() -> pd.DataFrame:
            try:
                raw = self._vendor("stock_board_concept_cons_em", symbol=board)
            except IndexError as exc:  # the board-name lookup found nothing
                raise ProviderError(f"no Eastmoney concept board named {board!r}") from exc
            _need(raw, ["代码", "名称"])
            codes = raw["代码"].astype("str").str.strip()
            bad = ~codes.str.match(r"^\d{6}$")
            if bad.any():
                raise ProviderError(
                    f"column 代码 holds {codes[bad].iloc[0]!r}, not a 6-digit code"
                    " (columns shifted?)"
                )
            frame = _frame({"code": [_canonical_a(c) for c in codes], "name": raw["名称"]})
            return _fit(MEMBERS, frame)

        return self._first(
            f"concept board {board}", [("stock_board_concept_cons_em", em)], empty_ok=False
        )

    def industry(self, code: str) -> str | None:
        text = code.strip().upper()
        if not _A_CODE.match(text):
            if _SIX.match(text):
                text = _canonical_a(text)
            else:
                return None  # HK, US and index codes have no Eastmoney A-share industry
        six, _ = _a_parts(text)

        def em() -> str | None:
            raw = self._vendor("stock_individual_info_em", symbol=six, timeout=self.timeout)
            _need(raw, ["item", "value"])
            hit = raw.loc[raw["item"] == "行业", "value"]
            if hit.empty:
                return None
            value = hit.iloc[0]
            if value is None or str(value).strip() in _NO_VALUE:
                return None
            return str(value).strip()

        return self._first(f"{text} industry", [("stock_individual_info_em", em)])

    # ------------------------------------------------------------------ calendar

    def trading_calendar(self) -> pd.DataFrame:
        def sina() -> pd.DataFrame:
            raw = self._vendor("tool_trade_date_hist_sina")
            _need(raw, ["trade_date"])
            return _fit(CALENDAR, _frame({"date": raw["trade_date"]}))

        def csi300() -> pd.DataFrame:
            raw = self._vendor("stock_zh_index_daily_em", symbol="sh000300")
            _need(raw, ["date"])
            return _fit(CALENDAR, _frame({"date": raw["date"]}))

        frame = self._first(
            "A-share trading calendar",
            [("tool_trade_date_hist_sina", sina), ("stock_zh_index_daily_em", csi300)],
        )
        if frame.empty:
            raise ProviderError("A-share trading calendar: akshare returned no trading days")
        return frame

    # ------------------------------------------------------------------ commodities

    def commodity(self, series: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Daily lithium carbonate prices (CNY/t) of a :data:`COMMODITIES` series.

        ``li2co3_gfex_main``: the GFEX main-contract daily bars, Sina's continuous ``LC0``
        (``futures_main_sina``), else Eastmoney's 碳酸锂主连 (``futures_hist_em``); volume in
        lots. ``li2co3_spot_basis``: the spot quote of 100ppi's futures-spot table
        (``futures_spot_sys``, recent dates only), else 99qh's spot trend (``spot_price_qh``,
        the whole history). The ``vendor`` column names the function that answered.
        """
        if series not in _COMMODITY_ATTEMPTS:
            raise ProviderError(
                f"commodity series {series!r} is not supported by the akshare provider",
                hint=f"use one of {', '.join(COMMODITIES)}",
            )
        start, end = _span(series, start, end)
        attempts = getattr(self, _COMMODITY_ATTEMPTS[series])(start, end)
        return self._first(f"{series} daily prices", attempts, empty_ok=True)

    def _lc_futures_attempts(
        self, start: dt.date, end: dt.date
    ) -> list[tuple[str, Callable[[], pd.DataFrame]]]:
        def sina() -> pd.DataFrame:
            raw = self._vendor(
                "futures_main_sina", symbol="LC0", start_date=_ymd(start), end_date=_ymd(end)
            )
            return _commodity(raw, _SINA_FUTURES, "futures_main_sina", start, end)

        def em() -> pd.DataFrame:
            raw = self._vendor(
                "futures_hist_em",
                symbol="碳酸锂主连",
                period="daily",
                start_date=_ymd(start),
                end_date=_ymd(end),
            )
            return _commodity(raw, _EM_FUTURES, "futures_hist_em", start, end)

        return [("futures_main_sina", sina), ("futures_hist_em", em)]

    def _lc_spot_attempts(
        self, start: dt.date, end: dt.date
    ) -> list[tuple[str, Callable[[], pd.DataFrame]]]:
        def ppi() -> pd.DataFrame:
            try:
                raw = self._vendor("futures_spot_sys", symbol="碳酸锂", indicator="市场价格")
            except KeyError as exc:  # the name is not in 100ppi's list of commodities
                raise ProviderError("100ppi lists no 碳酸锂 futures-spot page") from exc
            return _commodity(raw, _SPOT, "futures_spot_sys", start, end)

        def qh() -> pd.DataFrame:
            try:
                raw = self._vendor("spot_price_qh", symbol="碳酸锂")
            except KeyError as exc:
                raise ProviderError("99qh lists no 碳酸锂 spot trend") from exc
            return _commodity(raw, _SPOT, "spot_price_qh", start, end)

        return [("futures_spot_sys", ppi), ("spot_price_qh", qh)]

    # ------------------------------------------------------------------ plumbing

    def _vendor(self, fn: str, /, **kwargs: Any) -> Any:
        """Call ``akshare.<fn>(**kwargs)`` with retries; see the module docstring."""

        def once() -> Any:
            import akshare
            import requests

            func = getattr(akshare, fn)
            _install_tap()
            _TAP.active, _TAP.timeout, _TAP.last = True, self.timeout, None
            try:
                out = func(**kwargs)
            except _NetworkDown:
                raise ProviderError("network unreachable") from None
            except (requests.ConnectionError, requests.Timeout, requests.HTTPError):
                raise
            except Exception as exc:
                last = _TAP.last
                if last is not None and last.status_code >= 400:
                    raise requests.HTTPError(f"HTTP {last.status_code}", response=last) from exc
                if _answered_null(last):
                    raise ProviderError(_UNKNOWN) from exc
                raise
            else:
                if _rows(out) == 0 and _answered_null(_TAP.last):
                    raise ProviderError(_UNKNOWN)
                return out
            finally:
                _TAP.active, _TAP.last = False, None

        return with_retry(once, self.retry)

    def _first(
        self,
        what: str,
        attempts: Sequence[tuple[str, Callable[[], Any]]],
        empty_ok: bool = False,
    ) -> Any:
        """first_of over ``attempts``; with ``empty_ok`` an empty frame falls through to the
        next source and is the answer when no later source has rows (or they all fail)."""
        failures: list[str] = []
        empties: list[Any] = []

        def wrap(name: str, call: Callable[[], Any], last: bool) -> Callable[[], Any]:
            def run() -> Any:
                try:
                    out = call()
                except ProviderError as exc:
                    failures.append(f"{name}: {exc.message}")
                    raise
                except Exception as exc:
                    failures.append(f"{name}: {describe(exc)}")
                    raise
                if empty_ok and not last and _rows(out) == 0:
                    empties.append(out)
                    failures.append(f"{name}: no rows")
                    raise ProviderError("no rows")
                return out

            return run

        wrapped = [
            (f"akshare {name}", wrap(name, call, i == len(attempts) - 1))
            for i, (name, call) in enumerate(attempts)
        ]
        try:
            used, out = first_of(what, wrapped)
        except ProviderError as exc:
            if empties:
                log.info("%s: no rows (%s)", what, "; ".join(failures))
                return empties[0]
            if any(f.endswith(_UNKNOWN) for f in failures):
                raise ProviderError(
                    exc.message, hint="check the code; the vendor may not list it"
                ) from exc
            raise
        if failures:
            log.warning("%s: answered by %s after: %s", what, used, "; ".join(failures))
        return out


# ---------------------------------------------------------------------- helpers

_UNKNOWN = "the vendor answered data: null (unknown symbol?)"


class _NetworkDown(BaseException):
    """The machine has no network (no name resolution, no route): raised from the tap as a
    BaseException so akshare's own ``except Exception`` retry loops (with their sleeps) do not
    swallow it; :meth:`AkshareProvider._vendor` turns it into one ProviderError."""


class _Network:
    """Process-wide: when the network was last found down (monotonic seconds), if ever."""

    down_since: float | None = None
    HOLD = 60.0  # seconds during which later calls fail at once instead of waiting

    @classmethod
    def is_down(cls) -> bool:
        import time

        return cls.down_since is not None and time.monotonic() - cls.down_since < cls.HOLD

    @classmethod
    def mark_down(cls) -> None:
        import time

        cls.down_since = time.monotonic()


def _no_network(exc: BaseException) -> bool:
    """A connection error that means "offline" (name resolution or no route), not a hiccup."""
    import errno
    import socket

    todo: list[BaseException] = [exc]
    seen: set[int] = set()
    while todo and len(seen) < 20:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, socket.gaierror) or type(e).__name__ == "NameResolutionError":
            return True
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return True
        # requests keeps urllib3's error in args; urllib3's MaxRetryError in .reason
        linked = [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]
        todo += [x for x in linked if isinstance(x, BaseException)]
    return False


class _Tap(threading.local):
    active: bool = False
    timeout: float | None = None
    last: requests.Response | None = None


_TAP = _Tap()
_TAP_LOCK = threading.Lock()


def _install_tap() -> None:
    """Wrap ``requests.Session.send`` once; the wrapper acts only while ``_TAP.active``."""
    import requests

    with _TAP_LOCK:
        if getattr(requests.Session.send, "_naion_tap", False):
            return
        original = requests.Session.send

        def send(self: requests.Session, request: Any, **kwargs: Any) -> requests.Response:
            if not _TAP.active:
                return original(self, request, **kwargs)
            if _Network.is_down():
                raise _NetworkDown()
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = _TAP.timeout
            try:
                response = original(self, request, **kwargs)
            except requests.ConnectionError as exc:
                if _no_network(exc):
                    _Network.mark_down()
                    raise _NetworkDown() from exc
                raise
            _TAP.last = response
            return response

        send._naion_tap = True  # type: ignore[attr-defined]
        requests.Session.send = send  # type: ignore[method-assign]


def _answered_null(response: requests.Response | None) -> bool:
    """Did Eastmoney answer ``{"data": null}`` / ``{"result": null}`` (unknown symbol)?"""
    if response is None or response.status_code != 200:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and any(k in body and body[k] is None for k in ("data", "result"))


def _rows(out: Any) -> int | None:
    shape = getattr(out, "shape", None)
    return shape[0] if shape else None


def _span(what: str, start: Any, end: Any) -> tuple[dt.date, dt.date]:
    def as_date(value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise ProviderError(f"{what}: {value!r} is not a date") from exc

    s, e = as_date(start), as_date(end)
    if s > e:
        raise ProviderError(f"{what}: start {s} is after end {e}")
    return s, e


def _ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _a_parts(code: str) -> tuple[str, str]:
    m = _A_CODE.match(code.strip().upper())
    if not m:
        raise ProviderError(
            f"{code}: not an A-share code", hint="write it like 300750.SZ, 600348.SH or 920185.BJ"
        )
    return m.group(1), m.group(2)


def _canonical_a(six: str) -> str:
    """300750 -> 300750.SZ by the code prefix (same rules as universes.codes)."""
    if six.startswith(("60", "68", "90")):
        return f"{six}.SH"
    if six.startswith(("00", "30", "20")):
        return f"{six}.SZ"
    if six.startswith(("4", "8", "92")):
        return f"{six}.BJ"
    raise ProviderError(f"cannot tell the exchange of A-share code {six}")


def _need(raw: Any, columns: Sequence[str]) -> None:
    """The vendor frame holds ``columns``, else a ProviderError naming what is missing."""
    import pandas as pd

    if not isinstance(raw, pd.DataFrame):
        raise ProviderError(f"expected a table, got {type(raw).__name__}")
    if raw.shape[1] == 0:
        raise ProviderError("empty frame with no columns")
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        got = ", ".join(map(str, raw.columns))
        raise ProviderError(f"missing column(s) {', '.join(missing)} (got: {got})")


def _numbers(raw: pd.DataFrame, columns: Sequence[str]) -> None:
    import pandas as pd

    for c in columns:
        if not pd.api.types.is_numeric_dtype(raw[c].dtype):
            raise ProviderError(f"column {c} has dtype {raw[c].dtype}, expected numbers")


def _frame(data: dict[str, Any]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {k: (v.reset_index(drop=True) if isinstance(v, pd.Series) else v) for k, v in data.items()}
    )


def _fit(
    schema: FrameSchema,
    frame: pd.DataFrame,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Validate against ``schema``; keep dates within [start, end] when given."""
    import pandas as pd

    try:
        typed = schema.validate(frame)
    except SchemaMismatch as exc:
        where = f" (row {exc.row})" if exc.row is not None else ""
        raise ProviderError(f"does not fit the {schema.name} schema: {exc.message}{where}") from exc
    if {"high", "low"} <= set(typed.columns):
        # the importer refuses high < low (naion.import_sets); a vendor row gets the same rule
        inverted = (typed["high"] < typed["low"]).fillna(False).to_numpy(dtype=bool)
        if inverted.any():
            row = int(inverted.argmax())
            raise ProviderError(
                f"does not fit the {schema.name} schema: high is below low (row {row})"
            )
    if start is not None and end is not None and "date" in typed.columns:
        keep = (typed["date"] >= pd.Timestamp(start)) & (typed["date"] <= pd.Timestamp(end))
        typed = typed[keep].reset_index(drop=True)
    return typed


def _bars(
    raw: Any, columns: dict[str, str], volume_factor: float, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Vendor bars -> BARS: check, rename, scale volume to shares, validate, clip dates."""
    import pandas as pd

    if isinstance(raw, pd.DataFrame) and raw.shape == (0, 0):
        return _fit(BARS, pd.DataFrame({"date": [], "close": []}))  # akshare's "no rows"
    _need(raw, list(columns))
    _numbers(raw, [c for c, eng in columns.items() if eng != "date"])
    frame = _frame({eng: raw[src] for src, eng in columns.items()})
    if "volume" in frame.columns and volume_factor != 1.0:
        frame["volume"] = frame["volume"] * volume_factor
    return _fit(BARS, frame, start, end)


_SINA_FUTURES = {
    "日期": "date",
    "开盘价": "open",
    "最高价": "high",
    "最低价": "low",
    "收盘价": "close",
    "成交量": "volume",
}
_EM_FUTURES = {
    "时间": "date",
    "开盘": "open",
    "最高": "high",
    "最低": "low",
    "收盘": "close",
    "成交量": "volume",
}
_SPOT = {"日期": "date", "现货价格": "close"}
_COMMODITY_ATTEMPTS = {
    "li2co3_gfex_main": "_lc_futures_attempts",
    "li2co3_spot_basis": "_lc_spot_attempts",
}


def _commodity(
    raw: Any, columns: dict[str, str], vendor: str, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Vendor prices -> COMMODITY: check, rename, drop days without a quote, validate, clip.

    A day whose price the vendor left empty ("-") is not a quote and is dropped; a column with
    no number at all is a schema change and an error.
    """
    _need(raw, list(columns))
    _numbers(raw, [c for c, eng in columns.items() if eng != "date"])
    frame = _frame({eng: raw[src] for src, eng in columns.items()})
    if len(frame) and frame["close"].isna().all():
        price = next(src for src, eng in columns.items() if eng == "close")
        raise ProviderError(f"column {price} holds no price")
    frame = frame[frame["close"].notna()].reset_index(drop=True)
    frame["vendor"] = vendor
    return _fit(COMMODITY, frame, start, end)


def _em_forecast(raw: Any) -> pd.DataFrame:
    """stock_profit_forecast_em's wide table -> long rows (six, year, eps, analysts)."""
    import pandas as pd

    _need(raw, ["代码", "研报数"])
    years = {c: int(m.group(1)) for c in raw.columns if (m := _EPS_COLUMN.match(str(c)))}
    if not years:
        got = ", ".join(map(str, raw.columns))
        raise ProviderError(f"no '<year>预测每股收益' column (got: {got})")
    six = raw["代码"].astype("str").str.strip()
    bad = ~six.str.match(r"^\d{6}$")
    if bad.any():
        raise ProviderError(
            f"column 代码 holds {six[bad].iloc[0]!r}, not a 6-digit code (columns shifted?)"
        )
    _numbers(raw, [*years, "研报数"])
    parts = [
        pd.DataFrame(
            {"six": six, "year": year, "eps": raw[col], "analysts": raw["研报数"]}
        ).reset_index(drop=True)
        for col, year in years.items()
    ]
    return pd.concat(parts, ignore_index=True)


def _eps_rows(code: str, years: Any, eps: Any, analysts: Any) -> pd.DataFrame:
    import pandas as pd

    frame = _frame({"fiscal_year": years, "eps": eps, "analysts": analysts})
    frame = frame[pd.to_numeric(frame["eps"], errors="coerce").notna()].reset_index(drop=True)
    frame.insert(0, "code", code)
    frame.insert(2, "kind", "estimate")
    return _fit(EPS, frame)
