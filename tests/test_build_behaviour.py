"""Builds that behave on a real host: readable output, one build at a time, unchanged files kept
(same inode and time), helpers that die with a killed build, and a refusal of shallow history."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

from test_build import _cli_build, _cli_command, _environment, _until, sample_project  # noqa: F401 - fixture

from conftest import TODAY_EPOCH

EPOCH = {"SOURCE_DATE_EPOCH": TODAY_EPOCH}


def test_the_site_is_readable_by_a_web_server_running_as_another_user(sample_project, tmp_path):
    site = tmp_path / "site"
    old = os.umask(0o022)
    try:
        assert _cli_build(sample_project, site, **EPOCH).returncode == 0
    finally:
        os.umask(old)
    for path in [site, *site.rglob("*")]:
        mode = path.stat().st_mode
        assert mode & stat.S_IROTH, f"{path} is not readable by others ({oct(mode)})"
        if path.is_dir():
            assert mode & stat.S_IXOTH, f"{path} cannot be entered by others ({oct(mode)})"


def test_a_rebuild_keeps_the_inode_and_time_of_every_file_whose_bytes_did_not_change(sample_project, tmp_path):
    site = tmp_path / "site"
    assert _cli_build(sample_project, site, **EPOCH).returncode == 0
    before = {p.relative_to(site): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in site.rglob("*") if p.is_file()}
    article = sample_project / "content" / "medical-oncology" / "bevacizumab-surgery-timing.yaml"
    article.write_text(article.read_text(encoding="utf-8").replace("Why the interval matters", "Why the gap matters"), encoding="utf-8")
    assert _cli_build(sample_project, site, **EPOCH).returncode == 0
    after = {p.relative_to(site): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in site.rglob("*") if p.is_file()}
    same = [path for path in after if path in before and after[path][2] == before[path][2]]
    changed = [path for path in after if path not in before or after[path][2] != before[path][2]]
    assert changed and len(same) > len(changed)
    assert [path for path in same if after[path][:2] != before[path][:2]] == []


def test_a_second_build_at_the_same_time_is_refused_with_a_clear_message(sample_project, tmp_path):
    folder = sample_project / "build"
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder, os.O_RDONLY)
    try:  # a first build holds the project's build folder
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        result = _cli_build(sample_project, tmp_path / "site", **EPOCH)
    finally:
        os.close(descriptor)
    assert result.returncode == 1
    assert "another build of this project is running" in result.stderr
    assert "Traceback" not in result.stderr
    assert _cli_build(sample_project, tmp_path / "site", **EPOCH).returncode == 0


def test_killing_a_build_kills_its_search_indexer(sample_project, tmp_path):
    site = tmp_path / "site"
    # Killed alone (not its process group), as an OOM killer or `kill -9 PID` would.
    process = subprocess.Popen(_cli_command(sample_project, site), env=_environment(**EPOCH),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def indexers() -> list[int]:
        out = subprocess.run(["pgrep", "-f", f"pagefind.*{tmp_path}"], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    try:
        _until(lambda: bool(indexers()), process, "Pagefind started", seconds=120)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 30
    while indexers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert indexers() == []


def test_a_shallow_clone_is_refused_with_how_to_fetch_the_history(sample_project, tmp_path):
    def git(root: Path, *args: str) -> None:
        subprocess.run(["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.org", *args], check=True, capture_output=True)

    git(sample_project, "init", "-q", "-b", "main")
    for n in range(2):
        (sample_project / f"note-{n}.txt").write_text(str(n), encoding="utf-8")
        git(sample_project, "add", "-A")
        git(sample_project, "commit", "-q", "-m", f"commit {n}")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{sample_project}", str(clone)], check=True, capture_output=True)
    result = _cli_build(clone, clone / "site", **EPOCH)
    assert result.returncode == 1
    assert "this is a shallow clone: run 'git fetch --unshallow'" in result.stderr
