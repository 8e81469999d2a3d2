"""`lianxin dev` (what `make run` runs) as a user runs it: from an empty data folder to a served query,
then SIGINT leaves no process behind, and a second start reuses the data. A closed terminal (SIGHUP)
stops everything too; a PostgreSQL server left running by a killed run is never silently adopted: it
is stopped, loudly, or reported with what to do when it does not respond."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from lianxin_cli.embedded import EmbeddedPostgres, OrphanedServer, free_port

pytestmark = [pytest.mark.no_db, pytest.mark.timeout(180)]

QUERY = "{ unions(first: 10) { totalCount edges { node { name kind } } } }"


def _start(data_dir: Path, port: int, *, session: bool = False) -> subprocess.Popen[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "LIANXIN_JWT_SECRET")
    }
    env.update(LIANXIN_DATA_DIR=str(data_dir), PORT=str(port))
    # output goes to a file: an unread pipe fills up (the worker logs every demo job) and blocks the process
    with (data_dir.parent / "dev.log").open("a") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "lianxin_cli.main", "dev"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=session,  # a process group of its own, as a terminal's job is
        )


def _wait_ready(proc: subprocess.Popen[str], port: int, timeout: float = 90) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        assert proc.poll() is None, "lianxin dev exited early (see dev.log)"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("lianxin dev did not become ready")


def _servers_for(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            if str(data_dir) in cmdline or (
                "redis-server" in cmdline and proc.cwd().startswith(str(data_dir))
            ):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def _token(data_dir: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "lianxin_cli.main", "token", "--role", "ADMIN"],
        env={**os.environ, "LIANXIN_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def _stop(proc: subprocess.Popen[str], data_dir: Path) -> str:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    return (data_dir.parent / "dev.log").read_text(errors="replace")


def _the_banner_stays_last_and_other_commands_find_the_servers(data_dir: Path, tmp_path: Path) -> None:
    """The banner names the embedded servers and is the last thing on screen while the worker works
    through the demo jobs (its output is in logs/worker.log); `lianxin contact-card` run with no
    DATABASE_URL finds the embedded database through dev-state.json."""
    log = data_dir.parent / "dev.log"
    deadline = time.monotonic() + 30
    while "Ctrl-C stops everything." not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.1)
    time.sleep(3)  # the worker runs the demo set's jobs meanwhile
    screen = log.read_text(errors="replace")
    banner, _, after = screen[screen.rindex("Lianxin is running.") :].partition("Ctrl-C stops everything.")
    # after it only the API's answers to this test's own requests: nothing of the worker's
    assert all('"lianxin.access"' in line for line in after.splitlines() if line.strip()), after[:3000]
    assert "PostgreSQL : postgresql://" in banner
    assert "Redis      : redis://127.0.0.1:" in banner
    worker_log = data_dir / "logs" / "worker.log"
    assert str(worker_log) in banner
    assert worker_log.stat().st_size > 0
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "LIANXIN_JWT_SECRET")
    }
    card = subprocess.run(
        [sys.executable, "-m", "lianxin_cli.main", "contact-card", "1", "-o", str(tmp_path / "card.pdf")],
        env={**env, "LIANXIN_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert card.returncode == 0, card.stderr
    assert (tmp_path / "card.pdf").read_bytes().startswith(b"%PDF")


def test_dev_serves_demo_unions_and_stops_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    proc = _start(data_dir, port)
    try:
        _wait_ready(proc, port)
        refused = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, timeout=10).json()
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        headers = {"Authorization": f"Bearer {_token(data_dir)}"}
        body = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, headers=headers, timeout=10
        ).json()
        names = {e["node"]["name"] for e in body["data"]["unions"]["edges"]}
        assert {"威海市总工会", "环翠区总工会", "临港区农林水产业工会"} <= names
        total = body["data"]["unions"]["totalCount"]
        _the_banner_stays_last_and_other_commands_find_the_servers(data_dir, tmp_path)
    finally:
        output = _stop(proc, data_dir)
    assert proc.returncode == 0, output
    assert "GraphiQL" in output
    assert not (data_dir / "dev-state.json").exists()  # removed on exit
    time.sleep(0.5)
    assert _servers_for(data_dir) == []

    # a second run reuses the data (no second copy of the demo set)
    proc = _start(data_dir, port)
    try:
        _wait_ready(proc, port)
        body = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, headers=headers, timeout=10
        ).json()
        assert body["data"]["unions"]["totalCount"] == total
    finally:
        _stop(proc, data_dir)
    time.sleep(0.5)
    assert _servers_for(data_dir) == []


def _postgres_of(data_dir: Path) -> list[psutil.Process]:
    return [p for p in _servers_for(data_dir) if p.name() == "postgres" and "-D" in p.cmdline()]


def test_an_orphaned_server_is_stopped_loudly_and_sighup_stops_everything(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()

    # `lianxin dev` killed outright: its API, worker and Redis go with it, its PostgreSQL cannot
    proc = _start(data_dir, port, session=True)
    _wait_ready(proc, port)
    proc.kill()
    proc.wait(timeout=30)
    time.sleep(1.5)
    (orphan,) = _postgres_of(data_dir)
    assert [p for p in _servers_for(data_dir) if p.name() != "postgres"] == []

    # the next run says so and stops it (never adopts it: pgserver would count the dead run as a user
    # and never stop it); then the terminal closes: SIGHUP to the whole job, as the kernel sends it
    proc = _start(data_dir, port, session=True)
    _wait_ready(proc, port)
    assert not orphan.is_running()
    os.killpg(proc.pid, signal.SIGHUP)
    proc.wait(timeout=60)
    output = (data_dir.parent / "dev.log").read_text(errors="replace")
    assert proc.returncode == 0, output
    assert f"PostgreSQL (pid {orphan.pid}) was left running" in output
    assert "exited unexpectedly" not in output
    time.sleep(0.5)
    assert _servers_for(data_dir) == []


def test_an_orphaned_server_that_does_not_respond_is_reported_with_what_to_do(tmp_path: Path) -> None:
    folder = tmp_path / "postgres"
    # a process that opened the embedded server and died without stopping it
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"import os; from lianxin_cli.embedded import EmbeddedPostgres; "
            f"EmbeddedPostgres(__import__('pathlib').Path({str(folder)!r})); os.kill(os.getpid(), 9)",
        ],
        env=os.environ,
        timeout=120,
    )
    (orphan,) = [p for p in _postgres_of(tmp_path) if str(folder) in " ".join(p.cmdline())]
    orphan.suspend()
    try:
        EmbeddedPostgres.STOP_TIMEOUT = 2
        with pytest.raises(
            OrphanedServer, match=rf"does not respond to a stop: end it with `kill {orphan.pid}`"
        ):
            EmbeddedPostgres(folder)
    finally:
        EmbeddedPostgres.STOP_TIMEOUT = 10
        orphan.resume()  # the stop it was sent then takes effect
    orphan.wait(30)
    assert _postgres_of(tmp_path) == []


def test_a_postmaster_pid_naming_another_live_process_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "postgres"
    folder.mkdir()
    (folder / "postmaster.pid").write_text(f"{os.getpid()}\n{folder}\n")
    with pytest.raises(
        OrphanedServer, match=rf"names process {os.getpid()}.*remove {folder / 'postmaster.pid'}"
    ):
        EmbeddedPostgres(folder)


def test_a_folder_being_initialised_by_another_process_is_no_orphan(tmp_path: Path) -> None:
    # initdb's bootstrap backend writes its pid negated: two processes starting on one fresh folder
    # (the suite's two workers) saw it and failed in psutil ("pid must be a positive integer")
    folder = tmp_path / "postgres"
    folder.mkdir()
    (folder / "postmaster.pid").write_text(f"-{os.getpid()}\n{folder}\n")
    probe = EmbeddedPostgres.__new__(EmbeddedPostgres)
    probe.folder = folder
    probe._reap_orphan()  # neither raises nor stops anything
    assert (folder / "postmaster.pid").exists()
