"""``buurt worker`` as an operator starts it: a mistake is a line or two with its exit code,
and a rightly started worker owns its shards' consumers and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import nats

from buurt.adapters.bus.workers import consumer_name
from buurt.cli.errors import ExitCode
from tests.e2e.cli.test_operator_errors import assert_refused, buurt
from tests.jetstream import NatsServer, delete_stream
from tests.servers import buurt_command, free_port


def test_matching_by_workers_needs_the_bus(tmp_path: Path) -> None:
    code, output = buurt(
        "worker", "--shards", "0-3", "--db", f"sqlite:///{tmp_path / 'b.db'}",
        env={"BUURT_MATCHING": "workers"},
    )  # fmt: skip
    assert_refused(output, code, ExitCode.SETTING, "BUURT_MATCHING", "BUURT_BUS_URL")


def test_a_worker_where_publications_are_matched_inline_is_refused(tmp_path: Path) -> None:
    code, output = buurt("worker", "--shards", "0-3", "--db", f"sqlite:///{tmp_path / 'b.db'}")
    assert_refused(output, code, ExitCode.SETTING, "BUURT_MATCHING", "BUURT_MATCHING=workers")


def test_a_shard_out_of_range_is_named(tmp_path: Path) -> None:
    env = {"BUURT_MATCHING": "workers", "BUURT_BUS_URL": "nats://127.0.0.1:4222"}
    db = f"sqlite:///{tmp_path / 'b.db'}"
    code, output = buurt("worker", "--shards", "0-8", "--of", "8", "--db", db, env=env)
    assert_refused(output, code, ExitCode.SETTING, "--shards", "shard 8", "0-7")
    code, output = buurt("worker", "--shards", "3-1", "--db", db, env=env)
    assert_refused(output, code, ExitCode.SETTING, "--shards", "backwards")


def _consumer_names(server: NatsServer, stream: str) -> set[str]:
    async def read() -> set[str]:
        client = await nats.connect(server.url)
        try:
            infos = await client.jetstream(timeout=5).consumers_info(stream)
            # The shards' durable consumers (not the ordered consumer every process has).
            return {info.name for info in infos if info.config.durable_name}
        except nats.js.errors.NotFoundError:
            return set()
        finally:
            await client.close()

    return asyncio.run(read())


def test_a_worker_owns_its_shards_and_stops_on_sigterm(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    stream = f"WORKER_CLI_{os.getpid()}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BUURT_")}
    environment.update(
        BUURT_MATCHING="workers",
        BUURT_BUS_URL=nats_server.url,
        BUURT_BUS_STREAM=stream,
        BUURT_DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}",
    )
    log = tmp_path / "worker.log"
    metrics_port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*buurt_command(), "worker", "--shards", "1-2,5", "--of", "8",
             "--metrics-port", str(metrics_port)],
            env=environment, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        wanted = {consumer_name(n) for n in (1, 2, 5)}
        while not wanted <= _consumer_names(nats_server, stream):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert _consumer_names(nats_server, stream) == wanted  # and no other shard's
        # The shards' lag, on the worker's own /metrics.
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        for n in (1, 2, 5):
            assert f'buurt_bus_consumer_lag{{consumer="buurt-shard-{n}"}} 0.0' in metrics
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text()
        text = log.read_text()
        assert "matching shards 1-2,5 of 8" in text
        assert "Traceback" not in text
        # The consumers stay for the next worker that takes the shards.
        assert _consumer_names(nats_server, stream) == wanted
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        delete_stream(nats_server, stream)
