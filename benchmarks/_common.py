"""What every benchmark shares: the machine description and the result writer.

A result is written as JSON (for machines) and Markdown (for people) to benchmarks/results/, named
``<name>-<YYYY-MM-DD>``, with the machine it ran on. Benchmarks never run inside the test suite.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
WORK_DIR = Path(__file__).resolve().parent / "work"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory_gb,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or of its finished children), in MB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run a command in a child process; return wall seconds and its peak RSS (via /usr/bin/time -v if present)."""
    start = time.perf_counter()
    timer = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").exists() else []
    proc = subprocess.run(timer + cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    peak = None
    if timer:
        last = proc.stderr.strip().splitlines()[-1]
        peak = round(int(last) / 1024, 1) if last.isdigit() else None
    return {"seconds": seconds, "peak_rss_mb": peak or float("nan"), "stdout": proc.stdout}  # type: ignore[dict-item]


@dataclass
class Result:
    name: str
    issue: int
    target: str
    figures: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    verdict: str = ""

    def write(self) -> Path:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        payload = {
            "name": self.name,
            "issue": self.issue,
            "date": now.date().isoformat(),
            "timestamp": now.isoformat(timespec="seconds"),
            "machine": machine(),
            "target": self.target,
            "figures": self.figures,
            "baseline": self.baseline,
            "verdict": self.verdict,
            "notes": self.notes,
        }
        stem = f"{self.name}-{now.date().isoformat()}"
        json_path = RESULTS_DIR / f"{stem}.json"
        json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        lines = [
            f"# {self.name} ({now.date().isoformat()})",
            "",
            f"Issue {self.issue}. Target: {self.target}",
            "",
            f"Machine: {payload['machine']['cores']} cores, {payload['machine']['memory_gb']} GB, "
            f"{payload['machine']['cpu']}, Python {payload['machine']['python']}",
            "",
            "| figure | value |",
            "|---|---|",
            *[f"| {k} | {v} |" for k, v in self.figures.items()],
        ]
        if self.baseline:
            lines += ["", "Baseline, same run:", "", "| figure | value |", "|---|---|"]
            lines += [f"| {k} | {v} |" for k, v in self.baseline.items()]
        if self.verdict:
            lines += ["", f"Verdict: {self.verdict}"]
        if self.notes:
            lines += ["", *[f"- {n}" for n in self.notes]]
        (RESULTS_DIR / f"{stem}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print("\n".join(lines))
        return json_path
