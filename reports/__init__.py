"""Reports of saved runs and screens: tear sheets, comparisons, screen pages.

Every page is one self-contained HTML file (inline SVG charts drawn by :mod:`reports.svg`, no
CDN, no network fetch, every string escaped) in naion's shared look (:mod:`naion.html`).
Entry points: :func:`reports.tearsheet.write_tearsheet`,
:func:`reports.compare.write_comparison`, :func:`reports.screen.write_screen_report` and the
``naion report`` command (:mod:`reports.cli`).
"""
