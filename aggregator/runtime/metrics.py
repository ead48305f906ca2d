"""The process's Prometheus registry (GET /metrics serves it), and the metrics of the layers
below the web that record into it: the webhook intake's batches."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

# Where a signed delivery's time goes between its request handing it over and its answer, one
# observation per batch: `waited` (the batch's oldest delivery, until a writer took the batch and
# a connection), `read` (channels, lives, parsing), `placed` (begin, and the wait for the batch
# taken before), `statement` (deliveries and comments stored), `commit`. Each round trip also
# waits for the web process's event loop to come back to it, which is why these add up to more
# than Postgres took.
INTAKE_STAGE_SECONDS = Histogram(
    "chotdon_intake_stage_seconds",
    "Webhook intake batches: seconds in each stage, by source and stage.",
    ["source", "stage"],
    registry=REGISTRY,
    buckets=(0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 1.0, 4.0),
)
INTAKE_BATCH_DELIVERIES = Histogram(
    "chotdon_intake_batch_deliveries",
    "Webhook intake batches: deliveries in a batch, by source.",
    ["source"],
    registry=REGISTRY,
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)
INTAKE_STAGES = ("waited", "read", "placed", "statement", "commit")
