"""Reusable Textual widgets (UI side, like screens/): import each from its module, e.g.
`from arcollect_tui.widgets.virtual_table import VirtualTable`.  This file imports nothing, so
walking the package tree (tests/test_schema.py) does not load Textual."""
