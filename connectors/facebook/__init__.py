"""Facebook Pages: Graph API client, webhook verification and parsing, live comment pull."""

from __future__ import annotations
