"""Benchmarks: figures and ratios against baselines measured in the same run."""

from __future__ import annotations
