"""Names of the arq jobs, shared by whoever enqueues and the worker that runs them.

The web app enqueues by name so that it never imports workers/ (see the layer contracts).
"""

from __future__ import annotations

RECORD_HEARTBEAT = "record_heartbeat"
MERGE_SESSION = "merge_session"
SWEEP = "sweep"
