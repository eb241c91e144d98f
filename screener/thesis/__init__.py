"""The Na-ion thesis signal: does the lithium price make a sodium-ion cell the cheaper cell?

* :mod:`screener.thesis.model`  the cost model as data (YAML, curated + NAION_HOME/models):
  the Na-ion cell's cost advantage over LFP as a line in the lithium carbonate price;
* :mod:`screener.thesis.series` the composite lithium carbonate price (splices, stale gaps);
* :mod:`screener.thesis.days`   the trading days that measure how stale a price is;
* :mod:`screener.thesis.signal` the point-in-time signal frame (price, advantage, parity);
* :mod:`screener.thesis.baskets` equal-weight basket levels for the thesis chart;
* :mod:`screener.thesis.cli`    ``naion thesis``.

It sits in the screener layer so screens, strategies and reports can all read it; it reads the
store only through the Reader. Nothing is imported here: ``naion --help`` stays light.
"""
