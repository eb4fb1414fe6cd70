"""The worker role: everything that makes created work get done.

Public face (what faces — the CLI, MCP, chats, the API — call):
- `finish_run(session, run_uuid, wait=…)`, `finish_batch(…)`: the one "wait for it, or hand it to a
  worker" policy; a wait interrupted by Ctrl-C or SIGHUP hands its work over and raises `WaitInterrupted`;
- `hand_over(session)`, `settle(session)`: start the embedded background worker when work was left
  behind (`settle` reads what services announced on `Session.work`);
- `serve(session, …)`: the `lading worker` process (run loop, scheduler, background lock).

Private machinery, one module per kind: `loop` (claims and drives runs, group commit, heartbeats),
`feeder` (streams a batch's source into runs), `scheduler` (cron triggers and play schedules, one
leader), `adapters` (the engine's ports implemented with the services), `host` (the embedded
background process: lock, pid file, spawning), `policy` (the waiting above), `process` (`serve`).

Layering: the worker role sits above the services (its adapters call them) and below the faces;
services never import it, which is why they announce work instead of starting a worker.
"""

from __future__ import annotations

from lading.worker.policy import WaitInterrupted, finish_batch, finish_run, hand_over, settle
from lading.worker.process import serve

__all__ = ["WaitInterrupted", "finish_batch", "finish_run", "hand_over", "serve", "settle"]
