"""The `lading serve` process: Uvicorn running `create_app`, in one or several processes.

The store is opened (and migrated to head) before Uvicorn starts, so `--workers N` processes never
race to migrate, and a store that cannot be opened fails the command with the documented error
rather than N failing children. Logs go to stderr with secrets redacted.
"""

from __future__ import annotations

import logging
import sys


def serve(*, host: str, port: int, workers: int) -> None:
    import uvicorn

    from lading.integrations._secrets import install_log_redaction
    from lading.store.database import open_database

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    open_database()
    sys.stderr.write(f"lading serve: listening on http://{host}:{port} ({workers} process(es))\n")
    sys.stderr.flush()
    uvicorn.run("lading.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False)
