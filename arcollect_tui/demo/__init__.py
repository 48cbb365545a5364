"""The demo portfolio: a believable, deterministic AR ledger dated relative to *today*."""

from arcollect_tui.demo.builder import DemoSummary, build_demo
from arcollect_tui.demo.portfolio import BEHAVIOURS, STAGES

__all__ = ["BEHAVIOURS", "STAGES", "DemoSummary", "build_demo"]
