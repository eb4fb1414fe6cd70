"""Content files: upload (extraction + passages) and `search_<slug>` latency on the embedded store.

Writes M Markdown files of generated prose (about 40 KB each, ~35 passages), uploads them, then times
lexical searches over all of them (what one `search_<slug>` call does: read the passages, rank with
BM25). Prints upload MB/s, the passage count and the median / p95 search time.

    .venv/bin/python bench/content_search.py [--files 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

WORDS = ["account", "renewal", "pipeline", "quota", "discount", "forecast", "champion", "budget", "procurement",
         "security", "review", "onboarding", "integration", "invoice", "contract", "seat", "expansion", "churn",
         "meeting", "pricing", "legal"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="lading-content-bench-"))
    os.environ.update({"LADING_HOME": str(home), "LADING_AUTOSTART_WORKER": "0"})
    os.environ.pop("LADING_DATABASE_URL", None)
    from lading.services.ai._resources import search_files
    from lading.services.content import files as content
    from lading.services.wiring import open_session

    rng = random.Random(7)
    sess = open_session()
    paths = []
    for i in range(args.files):
        path = home / f"doc{i}.md"
        paragraphs = [" ".join(rng.choice(WORDS) for _ in range(60)) + f" token{i}x{p}." for p in range(70)]
        path.write_text(f"# Document {i}\n\n" + "\n\n".join(paragraphs))
        paths.append(path)
    total = sum(p.stat().st_size for p in paths)
    started = time.perf_counter()
    uuids = [content.upload(sess, str(p))["file"]["uuid"] for p in paths]
    upload_s = time.perf_counter() - started
    timings = []
    for q in range(20):
        t = time.perf_counter()
        hits = search_files(sess, uuids, f"renewal discount token{q}x3")["results"]
        timings.append(time.perf_counter() - t)
        assert hits and hits[0]["fileName"] == f"doc{q}.md"
    from lading.store.repositories import content as repo

    with sess.db.read() as conn:
        passages = len(repo.passage_terms(conn, sess.workspace_uuid, uuids))
    print(f"files={args.files} bytes={total} upload={total / upload_s / 1e6:.1f} MB/s passages={passages} "
          f"search median={statistics.median(timings) * 1000:.0f} ms "
          f"p95={sorted(timings)[int(len(timings) * 0.95) - 1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
