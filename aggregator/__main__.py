from __future__ import annotations

from aggregator.cli import main

main()
