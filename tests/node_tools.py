"""Node.js projects and the browser for the client tests (GraphiQL offline, the TypeScript example).

`make install` runs `npm ci` (and the GraphiQL build) and installs Debian's chromium; these helpers do the
same when a test runs without it. A missing tool skips the test on a developer's machine with the reason,
and fails it on CI (`CI=true`), where the Makefile must have installed it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(tool: str, *alternatives: str, hint: str) -> str:
    """The path of `tool` (or the first of `alternatives` found); skips (fails on CI) when none is."""
    for name in (tool, *alternatives):
        found = shutil.which(name)
        if found:
            return found
    message = f"{tool} is not installed: {hint}"
    if ON_CI:
        pytest.fail(message)
    pytest.skip(message)


def npm_ci(project: Path, timeout: float = 300) -> None:
    """`npm ci` in `project` unless its node_modules already matches package-lock.json (npm writes
    node_modules/.package-lock.json on every install, so it is newer than the lock after one)."""
    npm = require("npm", hint="install Node.js 20+ with npm")
    installed = project / "node_modules" / ".package-lock.json"
    lock = project / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    run([npm, "ci", "--no-audit", "--no-fund"], project, timeout)


def run(command: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> str:
    """Runs `command`, failing the test with its output if it fails; returns its standard output."""
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout
