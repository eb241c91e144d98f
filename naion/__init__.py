"""naion: screen and backtest equities of the sodium-ion battery supply chain.

Kept import-light on purpose: ``naion --help`` must not pull pandas, duckdb,
akshare, vectorbt or quantstats. Import the subpackages you need explicitly.
"""

__version__ = "0.1.0"
