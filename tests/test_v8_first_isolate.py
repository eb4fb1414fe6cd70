"""A process whose first V8 contexts are created by many threads at once must not abort.

V8 sets up its memory cage on the first isolate without a lock; before JavaScript moved to sandbox
hosts that make their first context alone, a batch whose first `script` steps started together
killed the whole worker about one time in ten
(`Check failed: !IsConfigurablePoolInitialized()`). Each attempt is a fresh process, because only a
process's first contexts race."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

PROGRAM = """
import threading
from lading.engine.expressions import get_evaluator
from lading.engine.sandbox.js import run_script

barrier = threading.Barrier(12)
answers = []

def one(i):
    barrier.wait()
    if i % 2:
        answers.append(run_script("return nodes.start.n * 2;", {"start": {"n": i}}, {}))
    else:
        scope = {"nodes": {"start": {"n": i}}, "parentNodes": {}}
        answers.append(get_evaluator().compute_config({"v": "{{ [nodes.start.n].map(x => x * 2)[0] }}"}, scope)["v"])

threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(answers))
"""


def _attempt(_: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120)


def test_concurrent_first_contexts_do_not_abort_the_process() -> None:
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(_attempt, range(16)))
    for result in results:
        assert result.returncode == 0, result.stderr[-500:]
        assert result.stdout.strip() == str(sorted(2 * i for i in range(12)))
