"""The load benchmark's arithmetic: CPU ticks from /proc, latency percentiles and rates from locust's raw
samples, errors from the whole run; and its locust users load as locust loads them. No server, no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import load  # noqa: E402 - the benchmark's own module, found on the path above

# Excerpt of a real run's samples.csv (20,000 people, 44 users): start, name, ms, ok.
SAMPLES = """start,name,ms,ok
1796594195.9389381,assessment page,995.7380999999828,1
1796594195.9754915,dashboard,1109.785885000008,1
1796594196.2224238,assessment page,952.8707179999856,1
1796594196.2253232,dashboard drill-down,990.5557929999986,1
1796594196.251831,assessment page,975.8207430000425,1
1796594196.271525,submit,1702.2144949999756,1
1796594196.272124,submit,1520.7251340000312,0
1796594196.342871,assessment page,968.7237850000088,1
1796594197.0512111,api figures,1172.525549999989,1
"""
WINDOW = (1796594196.2250595, 1796594197.2250595)


def stat(pid: int, comm: str, parent: int, ticks: tuple[int, int, int, int]) -> str:
    """A /proc/<pid>/stat line with the given parent and utime, stime, cutime, cstime."""
    fields = ["S", str(parent), *["0"] * 9, *map(str, ticks), *["0"] * 35]
    return f"{pid} ({comm}) {' '.join(fields)}"


def test_proc_times_reads_utime_stime_and_the_reaped_childrens_times() -> None:
    line = stat(42, "postgres: bench 127.0.0.1(5) idle", 7, (10, 5, 3, 2))
    assert load.proc_times(line) == 20 and load.proc_parent(line) == 7
    own = Path("/proc/self/stat")
    if own.exists():  # the real format, on Linux
        assert load.proc_parent(own.read_text()) == os.getppid() and load.proc_times(own.read_text()) >= 0


def test_a_tree_counts_its_living_descendants_and_nothing_else() -> None:
    stats = {
        100: stat(100, "gunicorn", 1, (5, 1, 40, 4)),  # 40+4: workers that exited and were reaped
        101: stat(101, "gunicorn", 100, (300, 20, 0, 0)),
        102: stat(102, "gunicorn", 100, (280, 30, 0, 0)),
        200: stat(200, "postgres", 1, (9, 9, 9, 9)),
    }
    assert load.tree_ticks(stats, 100) == 50 + 320 + 310
    assert load.tree_ticks(stats, 999) == 0


def test_machine_ticks_count_busy_time_without_idle_and_iowait() -> None:
    assert load.machine_ticks("cpu  52133 0 9340 50262 1356 0 364 368 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n") == (
        52133 + 9340 + 364 + 368,
        52133 + 9340 + 50262 + 1356 + 364 + 368,
    )


def test_percentile_is_the_nearest_rank() -> None:
    assert load.percentile([], 0.5) is None
    assert load.percentile([30.0, 10.0, 20.0], 0.5) == 20.0
    assert load.percentile([float(n) for n in range(1, 101)], 0.95) == 95.0


def test_a_run_is_summarised_from_the_window_and_its_errors_from_the_whole_run(tmp_path: Path) -> None:
    path = tmp_path / "samples.csv"
    path.write_text(SAMPLES, encoding="utf-8")
    cpu = {"locust": (100, 180), "gunicorn": (1000, 1150), "postgres": (500, 530), "machine": (9000, 9290)}
    result = load.summarise(load.read_samples(path), window=WINDOW, cpu=cpu, ticks_per_second=100, cores=2)
    assert result["seconds"] == pytest.approx(1.0)
    # In the window: the drill-down, two pages, two submits (one refused), the API call.
    assert result["requests"] == 6 and result["requests_per_s"] == pytest.approx(6.0)
    assert result["submissions"] == 1 and result["submissions_ok_in_run"] == 1
    assert result["latency"]["submit"] == {
        "requests": 2,
        "p50_ms": 1520.7251340000312,
        "p95_ms": 1702.2144949999756,
    }
    assert result["latency"]["dashboard"] == {"requests": 0, "p50_ms": None, "p95_ms": None}
    assert result["latency"]["all"]["requests"] == 6
    assert result["errors"] == 1 and result["errors_by_kind"] == {"submit": 1}
    assert result["cpu_seconds"] == pytest.approx(
        {"locust": 0.8, "gunicorn": 1.5, "postgres": 0.3, "other": 0.3}
    )
    assert result["cpu_share_of_machine"]["gunicorn"] == pytest.approx(0.75)


def empty_run(cpu: dict[str, tuple[int, int]], **fields: Any) -> dict[str, Any]:
    """The result of a run with no samples (an empty run still renders), 11 users, with `fields`."""
    result = load.summarise([], window=(0.0, 10.0), cpu=cpu)
    result.update(users=11, citizens=10, officers=1, workers=4, worker_class="sync", **fields)
    return result


def test_the_table_shows_each_figure() -> None:
    result = empty_run(
        {"locust": (0, 100), "machine": (0, 100)},
        submit_path=load.SUBMIT_PATH,
        pool={"drafts": 5, "returned": 0, "accounts": 5},
        pool_exhausted=True,
        cross_check={"before": 3, "after": 3, "grew_by": 0, "accepted": 0, "matches": True},
    )
    table = load.markdown(result)
    assert "| self-assessment submissions/s | 0.0 |" in table
    assert "| submit: requests, p50 / p95 (ms) | 0, – / – |" in table
    assert "| CPU locust (s, share of 2 cores) | 1.0 (5 %) |" in table
    assert "0 / 0 (matches)" in table and "the pool ran out" in table
    assert "paced" not in table
    result["rate"] = 12.5
    paced = "workers, citizens arriving at random at 12.5 submissions/s and officers at 1 read/s each"
    assert paced in load.markdown(result)


def test_an_intake_run_shows_its_receipts_and_checks_them_against_the_database() -> None:
    receipts = {"received": 12, "pending": 0, "applied": 11, "refused": 1}
    lags = {"lag_p50_s": 0.4, "lag_p95_s": 0.9, "lag_max_s": 1.25, "drain_seconds": 0.3}
    result = empty_run(
        {"worker": (0, 30), "machine": (0, 100)},
        submit_path=load.INTAKE_PATH,
        pool={"drafts": 12, "returned": 0, "accounts": 12},
        pool_exhausted=False,
        intake={**receipts, **lags, "last_id": 12},
        cross_check={"before": 3, "after": 14, "grew_by": 11, "accepted": 12, "matches": True},
    )
    table = load.markdown(result)
    assert "through the intake" in table
    assert "| receipts: received / applied / refused | 12 / 11 / 1 |" in table
    assert "| receipt to applied: p50 / p95 / max (s) | 0.40 / 0.90 / 1.25 |" in table
    assert "| CPU worker (s, share of 2 cores) | 0.3 (2 %) |" in table
    assert "| 11 / 11 / 12 (matches) |" in table


def locustfile_says(tmp_path: Path, plan: dict, probe: str) -> list[str]:
    """What `probe` prints after importing the locustfile as locust does, with `plan` as its plan."""
    plan = {"users": 22, "seconds": 1, "out": str(tmp_path), "citizens": [], "officers": [], **plan}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    done = subprocess.run(  # noqa: S603 - the test's own interpreter and code
        [sys.executable, "-c", probe],
        cwd=BENCH,
        env={**os.environ, load.PLAN_ENV: str(tmp_path / "plan.json")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_locust_finds_a_citizen_per_ten_users_and_an_officer_for_the_rest(tmp_path: Path) -> None:
    probe = "import load; print(load.CitizenUser.fixed_count, load.OfficerUser.fixed_count)"
    assert locustfile_says(tmp_path, {"users": 22}, probe) == ["20", "2"]


# A user's successive waits as locust asks for them with no time passing: each is the time to its next
# start, so the gaps between starts are the differences between successive waits.
GAPS = (
    "import load, statistics as s; u, v = type('U', (), {})(), type('U', (), {})(); "
    "c, o = load.CitizenUser.wait_time, load.OfficerUser.wait_time; "
    "w = [c(u) for _ in range(20000)]; gaps = [b - a for a, b in zip([0.0, *w], w)]; "
    "x = [o(v) for _ in range(20000)]; "
)


def test_with_a_rate_citizens_arrive_at_random_at_that_rate_and_officers_once_a_second(
    tmp_path: Path,
) -> None:
    """--rate 10 with 20 citizens: each starts a flow every 2 s on average, exponentially distributed (no
    two in step); each officer every 1 s."""
    probe = (
        GAPS
        + "print(round(s.mean(gaps), 1), round(s.median(gaps) / s.mean(gaps), 2), round(x[-1] / 20000, 1))"
    )
    mean, median_share, officer = locustfile_says(tmp_path, {"users": 22, "rate": 10}, probe)
    # An exponential's median is ln 2 ≈ 0.69 of its mean (a fixed interval's would be 1).
    assert (mean, officer) == ("2.0", "1.0") and 0.65 <= float(median_share) <= 0.73


def test_the_time_a_flow_takes_does_not_slow_the_rate_and_a_late_one_does_not_burst(tmp_path: Path) -> None:
    """The gap counts from a flow's start: a citizen (one flow every 2 s on average) whose flow started 0.5 s
    ago waits its gap less that; one whose flow took longer than its gap starts at once, its schedule
    restarting from then."""
    probe = (
        "import load, random, time; c = load.CitizenUser.wait_time; u = type('U', (), {})(); "
        "random.seed(7); gap = random.expovariate(0.5); random.seed(7); "
        "u.next_start = time.monotonic() - 0.5; wait = c(u); "
        "u.next_start = time.monotonic() - 1000; late = c(u); "
        "print(abs(wait - max(gap - 0.5, 0)) < 0.01, late == 0.0, abs(u.next_start - time.monotonic()) < 0.5)"
    )
    assert locustfile_says(tmp_path, {"users": 22, "rate": 10}, probe) == ["True", "True", "True"]


def test_in_batches_the_rate_counts_submissions_so_requests_come_that_much_less_often(tmp_path: Path) -> None:
    """--rate 10 --batch 10 with 20 citizens: one request a second in all, each citizen every 20 s."""
    probe = GAPS + "print(round(s.mean(gaps)))"
    assert locustfile_says(tmp_path, {"users": 22, "rate": 10, "batch": 10}, probe) == ["20"]


@pytest.mark.parametrize("rate", ["0", "-5"])
def test_a_rate_that_is_not_above_zero_is_refused_before_anything_runs(rate: str) -> None:
    done = subprocess.run(  # noqa: S603 - the test's own interpreter and code
        [sys.executable, str(BENCH / "load.py"), "--database-url", "postgres://nowhere/x", "--rate", rate],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--rate is a number of submissions/s above 0" in done.stderr


def test_partner_batches_are_full_of_one_commune_and_take_the_communes_in_turn() -> None:
    partners = [
        ["key-a", [[1, "g1"], [2, "g1"], [3, "g1"], [4, "g2"], [5, "g1"]]],
        ["key-b", [[9, "g1"], [8, "g1"]]],
    ]
    assert load.partner_batches(partners, 2) == [
        ("key-a", [[1, "g1"], [2, "g1"]]),
        ("key-b", [[9, "g1"], [8, "g1"]]),
        ("key-a", [[3, "g1"], [4, "g2"]]),
    ]
    assert load.partner_batches(partners, 6) == []


def test_the_accounts_prepared_follow_the_rate_asked_or_what_each_path_can_take() -> None:
    assert load.accounts_for(seconds=60, rate=300.0, intake=True, batch=50) == 37_000  # twice the rate
    assert load.accounts_for(seconds=60, rate=15.0, intake=False, batch=1) == 2_800
    flat_out = [
        load.accounts_for(seconds=60, rate=None, intake=i, batch=b)
        for i, b in ((False, 1), (True, 1), (True, 50))
    ]
    assert flat_out == [10_000, 37_000, 121_000]
