"""Large inputs read and printed by two processes: the same documents, bytes and errors
as the serial path, and no process left behind."""

from __future__ import annotations

import gc
import os

import pytest

from lamina.errors import YamlError
from lamina.yaml import parallel, reader, writer
from lamina.yaml.empty_value import is_empty_value_key
from lamina.yaml.gc_pause import gc_paused


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Each test with its own cache folder, and two CPUs as far as lamina can tell."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("LAMINA_NO_CACHE", "1")
    monkeypatch.delenv("LAMINA_PARALLEL", raising=False)
    monkeypatch.setattr(parallel, "cpus", lambda: 2)
    # Small thresholds keep the inputs small; the machinery is the same.
    monkeypatch.setattr(reader, "PARALLEL_MIN_CHARS", 4096)
    monkeypatch.setattr(reader, "PARALLEL_MIN_PART", 1024)
    monkeypatch.setattr(writer, "PARALLEL_MIN_NODES", 1000)
    monkeypatch.setattr(writer, "PARALLEL_MIN_PART", 300)
    assert parallel.usable(), "a thread is running; the parallel path would not be taken"
    yield tmp_path
    assert_no_children()


def assert_no_children():
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def serially(monkeypatch, fn, *args):
    monkeypatch.setenv("LAMINA_PARALLEL", "0")
    try:
        return fn(*args)
    finally:
        monkeypatch.delenv("LAMINA_PARALLEL")


def crd(i: int, fields: int = 40) -> str:
    props = "".join(
        f"              field{j}:\n"
        f"                description: Field {j} of crd {i}; a generated property with a "
        f"longer description line that wraps.\n"
        f"                type: object\n"
        f"                properties:\n"
        f"                  replicas: {{format: int32, type: integer}}\n"
        f"                  mode: {{enum: [a, 'on', '0777'], type: string}}\n"
        for j in range(fields))
    return (f"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
            f"metadata:\n  name: w{i}.example.com\n  annotations:\n    empty:\n"
            f"spec:\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n"
            f"        properties:\n          spec:\n            properties:\n{props}")


def stream(count: int = 8) -> str:
    return "# leading comment\n" + "---\n".join(crd(i) for i in range(count)) + "---\n# done\n"


def started():
    return parallel.helpers_started


def test_parse_matches_serial(env, monkeypatch):
    text = stream()
    before = started()
    docs = reader.load_all_with_lines(text, "bundle.yaml")
    assert started() == before + 1
    serial = serially(monkeypatch, reader.load_all_with_lines, text, "bundle.yaml")
    assert started() == before + 1
    assert docs == serial
    assert len(docs) == 8 and [line for _d, line in docs] == [line for _d, line in serial]
    # The reader's marks on empty values survive the trip between processes.
    for doc, _line in docs:
        annotations = doc["metadata"]["annotations"]
        assert annotations == {"empty": None}
        assert all(is_empty_value_key(k) for k in annotations)


def test_parse_without_marks_matches_serial(env, monkeypatch):
    text = stream().replace("    empty:\n", "    empty: x\n")
    docs = reader.load_all_with_lines(text, "bundle.yaml")
    assert docs == serially(monkeypatch, reader.load_all_with_lines, text, "bundle.yaml")


def error_of(fn, *args) -> tuple[str, str]:
    with pytest.raises(YamlError) as info:
        fn(*args)
    return str(info.value), repr(info.value.__dict__)


@pytest.mark.parametrize("bad", [
    "  name: w6.example.com\n  name: again\n",       # duplicate key
    "  name: w6.example.com\n  labels: [a, b\n",     # syntax error
    "  name: w6.example.com\n  x: .inf\n",           # a value Kustomize refuses
])
def test_parse_error_in_second_half_is_the_serial_one(env, monkeypatch, bad):
    text = stream().replace("  name: w6.example.com\n", bad, 1)
    before = started()
    parallel_error = error_of(reader.load_all_with_lines, text, "bundle.yaml")
    assert started() == before + 1
    serial_error = error_of(lambda: serially(monkeypatch, reader.load_all_with_lines,
                                             text, "bundle.yaml"))
    assert parallel_error == serial_error
    assert "bundle.yaml" in parallel_error[0]


def test_first_error_wins_when_both_halves_fail(env, monkeypatch):
    text = (stream().replace("  name: w1.example.com\n", "  name: a\n  name: b\n", 1)
                    .replace("  name: w6.example.com\n", "  k: [\n", 1))
    parallel_error = error_of(reader.load_all_with_lines, text, "b.yaml")
    serial_error = error_of(lambda: serially(monkeypatch, reader.load_all_with_lines,
                                             text, "b.yaml"))
    assert parallel_error == serial_error
    assert "already defined" in parallel_error[0]


def test_small_or_single_document_input_stays_serial(env, monkeypatch):
    before = started()
    reader.load_all_with_lines(crd(0, fields=200), "one.yaml")       # one document
    reader.load_all_with_lines(crd(0, 2) + "---\n" + crd(1, 2), "small.yaml")
    writer.dump_all(reader.load_all(crd(0, 2) + "---\n" + crd(1, 2), "small.yaml"))
    writer.dump_all(reader.load_all(crd(0, 200) + "---\n" + crd(1, 2), "lopsided.yaml"))
    assert started() == before


def test_print_matches_serial(env, monkeypatch):
    docs = reader.load_all(stream(), "bundle.yaml")
    docs[3]["spec"]["odd"] = {"\ufeffbom": "\ufeffx", 7: 1.5, "on": "yes", "t": "a\nb"}
    before = started()
    text = writer.dump_all(docs)
    assert started() == before + 1
    assert text == serially(monkeypatch, writer.dump_all, docs)
    assert text == "---\n".join(writer._dump(doc) for doc in docs)


def test_print_error_in_second_half_is_the_serial_one(env, monkeypatch):
    docs = reader.load_all(stream(), "bundle.yaml")
    docs[6]["metadata"]["name"] = "bad\x7f"
    before = started()
    parallel_error = error_of(writer.dump_all, docs)
    assert started() == before + 1
    assert parallel_error == error_of(lambda: serially(monkeypatch, writer.dump_all, docs))
    docs[1]["metadata"]["name"] = "worse\x80"
    parallel_error = error_of(writer.dump_all, docs)
    assert "worse" in parallel_error[0]
    assert parallel_error == error_of(lambda: serially(monkeypatch, writer.dump_all, docs))


def test_helper_that_cannot_deliver_is_covered_here(env, monkeypatch):
    docs = reader.load_all(stream(), "bundle.yaml")
    expected = serially(monkeypatch, writer.dump_all, docs)

    def broken(_texts):
        raise RuntimeError("cannot encode")
    monkeypatch.setattr(writer, "_encode_texts", broken)
    before = started()
    assert writer.dump_all(docs) == expected
    assert started() == before + 1

    def died(_texts):
        os._exit(3)
    monkeypatch.setattr(writer, "_encode_texts", died)
    assert writer.dump_all(docs) == expected


def test_fork_failure_falls_back_to_serial(env, monkeypatch):
    text = stream()
    expected = serially(monkeypatch, reader.load_all_with_lines, text, "b.yaml")

    def no_fork():
        raise OSError("Resource temporarily unavailable")
    monkeypatch.setattr(os, "fork", no_fork)
    before = started()
    assert reader.load_all_with_lines(text, "b.yaml") == expected
    assert writer.dump_all([d for d, _ in expected]) == serially(
        monkeypatch, writer.dump_all, [d for d, _ in expected])
    assert started() == before


def test_not_used_with_one_cpu_or_when_turned_off(env, monkeypatch):
    monkeypatch.setattr(parallel, "cpus", lambda: 1)
    assert not parallel.usable()
    monkeypatch.setattr(parallel, "cpus", lambda: 2)
    monkeypatch.setenv("LAMINA_PARALLEL", "0")
    assert not parallel.usable()


def test_map_in_order_many_items_and_first_error(env):
    items = list(range(10_000))    # more items than queue entries: runs of items
    assert parallel.map_in_order(lambda x: x * x, items, _enc, _dec) == [x * x for x in items]

    def fn(x):
        if x in (3, 9_000):
            raise ValueError(f"bad {x}")
        return x
    with pytest.raises(ValueError, match="bad 3"):
        parallel.map_in_order(fn, items, _enc, _dec)


def _enc(results):
    import marshal
    return marshal.dumps(results)


def _dec(data):
    import marshal
    return marshal.loads(data)


def test_gc_pause_nests_and_restores(env):
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()    # someone else's choice is left alone
    finally:
        gc.enable()


def test_interrupt_here_stops_the_helper(env):
    # Synchronised on pipes, not on time: the helper says it is inside an item and waits
    # there, so it cannot take every item before this process takes one (under load it
    # used to, and no Ctrl-C happened); this process is interrupted only once the helper
    # is mid-item. It lets the helper go on just before, so a helper left running would
    # finish and be caught by assert_no_children, not hang the test.
    me = os.getpid()
    before = started()
    busy_r, busy_w = os.pipe()
    go_r, go_w = os.pipe()

    def fn(x):
        if os.getpid() != me:
            os.write(busy_w, b"1")
            os.read(go_r, 1)
            return x
        if started() != before:          # (with no helper, interrupt at once)
            os.read(busy_r, 1)
            os.write(go_w, b"1" * 50)
        raise KeyboardInterrupt
    try:
        with pytest.raises(KeyboardInterrupt):
            parallel.map_in_order(fn, list(range(50)), _enc, _dec)
    finally:
        for fd in (busy_r, busy_w, go_r, go_w):
            os.close(fd)
    assert started() == before + 1
    assert_no_children()


def test_not_used_in_a_pool_worker(env):
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(parallel.usable) is False


def test_print_with_the_disk_cache_cold_then_warm(env, monkeypatch):
    from lamina.yaml import doc_cache
    monkeypatch.delenv("LAMINA_NO_CACHE")
    monkeypatch.setattr(doc_cache, "LARGE", 1024)
    # (Without empty values: documents holding the reader's marks are never cached.)
    docs = reader.load_all(stream().replace("    empty:\n", "    empty: x\n"), "b.yaml")
    expected = "---\n".join(writer._dump(doc) for doc in docs)
    before = started()
    assert writer.dump_all(docs) == expected    # cold: both processes print and store
    assert started() == before + 1
    entries = [p for p in (env / "cache").rglob("*") if p.is_file()]
    assert len(entries) == len(docs)
    assert writer.dump_all(docs) == expected    # warm: served here, no helper
    assert started() == before + 1
