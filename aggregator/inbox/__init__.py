"""The inbox: every webhook delivery (platform, relay, courier, bank) is recorded here once.

records   the one record type, the harmless-headers rule, the duplicate rule
deliveries   the batched recorder of the hot path (platforms, relay)
journal   one delivery at a time, opened then finished around a transaction (couriers, banks)
answers   the one Answer every webhook service returns, and the reject/refuse helpers
handoff   a platform's Inbox: record the delivery, then hand its events on to ingest

It sits below the platforms, shipping and confirmation: they call it, it imports none of them.
"""

from __future__ import annotations
