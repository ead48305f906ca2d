from __future__ import annotations

from aggregator.cli.main import main

main()
