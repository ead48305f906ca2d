"""`bench webhooks`: where a signed delivery's time went in the web process's intake, read from
the serve child's /metrics (runtime/metrics.py) before and after the signed phases: per batch,
milliseconds in each stage, and deliveries in a batch."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from aggregator.runtime.metrics import INTAKE_STAGES

Totals = dict[str, float]  # "<stage>" and "deliveries": (sum, count) flattened as name_sum/_count

_STAGE_SAMPLES = {
    "chotdon_intake_stage_seconds_sum": "sum",
    "chotdon_intake_stage_seconds_count": "count",
}
_SIZE_SAMPLES = {
    "chotdon_intake_batch_deliveries_sum": "sum",
    "chotdon_intake_batch_deliveries_count": "count",
}


async def read_totals(base_url: str, source: str = "facebook") -> Totals:
    """The intake's running totals for `source` (a private address may read /metrics)."""
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}/metrics") as response:
        response.raise_for_status()
        text = await response.text()
    totals: Totals = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("source") != source:
                continue
            if sample.name in _STAGE_SAMPLES:
                totals[f"{sample.labels['stage']}_{_STAGE_SAMPLES[sample.name]}"] = sample.value
            elif sample.name in _SIZE_SAMPLES:
                totals[f"deliveries_{_SIZE_SAMPLES[sample.name]}"] = sample.value
    return totals


def stage_figures(before: Totals, after: Totals) -> dict[str, float]:
    """Per batch of the phases between the two readings: ms in each stage, and its deliveries."""

    def grew(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    batches = grew("deliveries_count")
    if batches <= 0:
        return {}
    figures: dict[str, float] = {
        "intake_batches": int(batches),
        "intake_deliveries_per_batch": round(grew("deliveries_sum") / batches, 1),
    }
    for stage in INTAKE_STAGES:
        figures[f"intake_{stage}_ms_per_batch"] = round(1000 * grew(f"{stage}_sum") / batches, 2)
    return figures
