"""Outbound: THE way to send a buyer a message on their platform, and the record of what was sent.

port.py is the interface the order flow talks to and each platform package implements; record.py
writes outbound_messages rows (at most one per idempotency key) and enqueues their send jobs after
the commit; buyers.py routes a message about an order to the buyer's platform; sending.py is the
one send loop every platform's job runs; outcome.py says what an attempt came to. Nothing here
imports a platform: the composition roots (workers) hand in the platforms' registries.
"""

from __future__ import annotations
