"""The wheel installs anywhere: built from this checkout, installed into a virtual
environment of its own, it serves the dataset from an unrelated folder."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path

import pytest
from server import free_port, stop, wait_until_up

from healthtech_lod.dataset import REPO_ROOT, ROOT_FOLDERS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO_ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("healthtech_lod-*.whl")
    return built


def test_the_wheel_carries_the_dataset(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ROOT_FOLDERS:
        shipped = {n for n in names if n.startswith(f"healthtech_lod/root/{folder}/")}
        in_checkout = {
            f"healthtech_lod/root/{p.relative_to(REPO_ROOT).as_posix()}"
            for p in (REPO_ROOT / folder).rglob("*")
            if p.is_file()
        }
        assert shipped == in_checkout, folder


def test_the_installed_wheel_serves_from_an_unrelated_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
        + [str(wheel)],
        check=True,
        capture_output=True,
    )
    # The dependencies (rdflib, pyoxigraph, Flask, …) come from this test's own
    # environment, added to the new one's path: no network needed, and this
    # checkout's package is not among them (an editable install is not on sys.path).
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import healthtech_lod.dataset as d; print(d.REPO_ROOT)"],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert where.startswith(site), "the installed package serves its own copy of the data"

    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHTECH_LOD_")}
    env["HEALTHTECH_LOD_STORE_CACHE_DIR"] = str(tmp_path / "stores")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(venv / "bin" / "healthtech-lod"), "serve", "--port", str(port), "--workers", "1"],
            cwd=elsewhere,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/health", process, log)
        request = urllib.request.Request(f"{base}/id/voicemed", headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.url == f"{base}/doc/voicemed"
            body = response.read().decode()
        assert "VoiceMed" in body
    finally:
        stop(process)
