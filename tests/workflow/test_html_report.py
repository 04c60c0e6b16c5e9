"""The HTML report of a run, opened in a real headless Chromium (Debian's package, installed by
scripts/ensure-chromium.sh): it renders, its timeline is the run's, and a screenshot is kept under build/."""

from __future__ import annotations

import itertools
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from simulator.__main__ import main as simulator_main
from simulator.scenario.html import render_html
from simulator.scenario.model import Scenario
from tests.workflow.conftest import SCENARIOS

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "build" / "report"
WIDTH, HEIGHT = 1280, 2400
_profiles = itertools.count()

# the demo's phases, checked by hand against `python -m simulator run simulator/scenarios/seed-blue-green.json`:
# reboot 90 s after the second parameter-sync check, snapshot 420 s, green 1500 s, the person answers after 600 s,
# switchover 60 s
DEMO_PHASES = [
    ("outage", "writer reboot (prod-db-writer)", 60, 150),
    ("wait", "snapshot being taken (prod-db-pre-upgrade-13-20-to-14-18-simulated-seed-blue-green)", 150, 570),
    ("wait", "green being built beside blue (bgd-", 570, 2070),
    ("wait", "a person reads the approval request and chooses approve", 2070, 2670),
    ("outage", "switchover: writes stop (bgd-", 2670, 2730),
]


def _chromium(tmp_path: Path, *args: str) -> str:
    browser = shutil.which("chromium")
    assert browser, "Chromium is not installed: run scripts/ensure-chromium.sh (make test does)"
    profile = tmp_path / f"chromium-profile-{next(_profiles)}"
    profile.mkdir()
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},{HEIGHT}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def _rendered(tmp_path: Path, page: Path) -> list[tuple[str, dict[str, str]]]:
    dom = _Dom()
    dom.feed(_chromium(tmp_path, "--dump-dom", page.as_uri()))
    return dom.elements


def test_the_demo_report_renders_in_chromium_with_the_runs_timeline(cdk_out, tmp_path, capsys):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTIFACTS / "seed-blue-green.html"
    status = simulator_main(
        ["run", str(SCENARIOS / "seed-blue-green.json"), "--html", str(page), "--cdk-out", str(cdk_out)]
    )
    assert status == 0
    assert f"HTML report: {page}" in capsys.readouterr().err

    elements = _rendered(tmp_path, page)
    root = next(attrs for tag, attrs in elements if tag == "html")
    assert root.get("data-rendered") == "yes", "the page's script did not run: the page did not render"
    bars = [attrs for tag, attrs in elements if tag == "div" and "bar" in attrs.get("class", "").split()]
    marked = [
        (bar["data-kind"], bar["data-phase"], float(bar["data-start"]), float(bar["data-end"]))
        for bar in bars
        if bar["data-kind"] != "step"
    ]
    assert len(marked) == len(DEMO_PHASES)
    for (kind, name, start, end), (want_kind, want_name, want_start, want_end) in zip(marked, DEMO_PHASES, strict=True):
        assert (kind, start, end) == (want_kind, want_start, want_end), name
        assert name.startswith(want_name)
    steps = {bar["data-phase"]: float(bar["data-start"]) for bar in bars if bar["data-kind"] == "step"}
    assert steps["Preflight"] == 0 and steps["StartSwitchover"] == 2670 and steps["VerifyUpgrade"] == 2730

    # laid out by the browser in proportion to the simulated time: green (1500 s) is 25/7 of the snapshot (420 s)
    widths = {bar["data-phase"]: int(bar["data-rendered-width"]) for bar in bars}
    green = next(w for name, w in widths.items() if name.startswith("green being built"))
    snapshot = next(w for name, w in widths.items() if name.startswith("snapshot being taken"))
    assert abs(green / snapshot - 1500 / 420) < 0.1

    screenshot = ARTIFACTS / "seed-blue-green.png"
    screenshot.unlink(missing_ok=True)
    _chromium(tmp_path, f"--screenshot={screenshot}", page.as_uri())
    _assert_a_drawn_png(screenshot)
    with capsys.disabled():  # the artifacts' paths, shown whatever pytest captures
        print(f"\nHTML report: {page}\nscreenshot: {screenshot}")


def _assert_a_drawn_png(path: Path) -> None:
    """A PNG of the window's size whose pixels are not all one colour."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (WIDTH, HEIGHT)
    chunks, offset = b"", 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        if data[offset + 4 : offset + 8] == b"IDAT":
            chunks += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    pixels = zlib.decompress(chunks)
    assert len(set(pixels)) > 50, "the screenshot is blank"


def _hostile_outcome() -> dict[str, Any]:
    attack = "<img src=x onerror=alert(1)>"
    check = {
        "id": "CP-x",
        "title": "t",
        "status": "fail",
        "finding": f"found {attack}",
        "evidence": [{"detail": f"</td>{attack}"}],
        "remediation": "<script>alert(2)</script>",
    }
    return {
        "status": "FAILED",
        "simulated_duration_seconds": 10.0,
        "timeline": [{"at_seconds": 0.0, "kind": "invoke", "name": "PreflightFunctionAB", "via": "task"}],
        "reaction_delays": [],
        "step_results": [{"at_seconds": 0.0, "name": "PreflightFunctionAB", "result": {"report": {"checks": [check]}}}],
        "cluster": None,
        "clusters": [f"db{attack}"],
        "snapshots": [],
        "notifications": [{"subject": f"subject {attack}", "message": f"</pre>{attack}"}],
    }


def test_every_text_of_the_report_is_escaped_and_chromium_builds_nothing_from_it(tmp_path):
    scenario = Scenario.load(SCENARIOS / "seed-blue-green.json")
    page = render_html(scenario, _hostile_outcome(), plan_text="plan <script>alert(3)</script>")
    assert "<img" not in page
    assert page.count("<script>") == 1  # the page's own, which measures the timeline
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    path = tmp_path / "hostile.html"
    path.write_text(page)
    elements = _rendered(tmp_path, path)
    assert [tag for tag, _ in elements if tag in {"img", "script"}] == ["script"]
