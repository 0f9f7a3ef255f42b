"""greyzone's benchmark suite (`make bench`): every speed figure of the README comes from here.

Measures, on this machine, in one run:
  1. identity: digests of fixed runs equal those of the code before the speed-ups;
  2. one default replication (500 firms, 520 weeks): median wall time after import, of the
     engine alone and of a paired replication (engine, outcomes and its counterfactual);
  3. throughput: firm-steps per second at 1,000 / 10,000 / 100,000 firms (single core),
     beside Mesa's BoltzmannWealth agent-steps per second at the same sizes;
  4. the limit: one compiled pass over the firm state at 10,000 firms (benchmarks/limit.py);
  5. scaling of time per step with firms, peak memory at 100,000 firms x 520 weeks, and
     memory against the number of replications (results stream to disk);
  6. sweeps: replications of the main comparison on all cores from the user's command,
     2 joblib workers against 1, fixed per-sweep costs, Hydra's per-job overhead;
  7. the five hottest functions of a default replication, now and before the speed-ups.
Writes benchmarks/results.json and benchmarks/results.md (with benchmarks/equivalence.md, the
before/after KS table, when it exists). Timing happens only here, never in tests.

    python benchmarks/run.py            # everything (about 25 minutes on 2 cores)
    python benchmarks/run.py --quick    # smaller sizes, to try the script
    python benchmarks/run.py --main-replications 1000   # the main comparison at full size
    python benchmarks/run.py --record-before   # re-measure the pre-speed-up baseline (git worktree)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BEFORE = HERE / "before.json"
BEFORE_COMMIT = "00d9b85e7bc633a62de143b292c1c10bffabcb7c"  # the code before the speed-ups of issue 18
PYTHON = sys.executable
GREYZONE = str(Path(sys.executable).with_name("greyzone"))
TARGETS = {  # issue 18
    "paired_replication_s": 0.15,
    "firm_steps_per_s_10k": 5_000_000,
    "boltzmann_multiple_10k": 15.0,
    "peak_memory_100k_gib": 1.5,
    "sweep_1000_replications_s": 90.0,
    "two_worker_speedup": 1.7,
    "fixed_sweep_share": 0.10,
    "job_overhead_share": 0.10,
}


START = time.perf_counter()


def log(message: str) -> None:
    print(f"[bench {time.perf_counter() - START:6.0f} s] {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    return {
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


# --- measurements run in child processes (clean memory, own imports) -----------------------------
CHILD = r"""
import json, resource, statistics, sys, time
from model.config import build_spec
from model.config.compose import compose_config
from model.sim.greyzone import GreyzoneModel
overrides, repeats = json.loads(sys.argv[1]), int(sys.argv[2])
spec = build_spec(compose_config(overrides))
GreyzoneModel(build_spec(compose_config(overrides + ["run.horizon_weeks=8", "run.spinup_weeks=1"])), 99).run()  # warm-up
times, builds = [], []
for r in range(repeats):
    tick = time.perf_counter(); model = GreyzoneModel(spec, r); built = time.perf_counter()
    model.run(); times.append(time.perf_counter() - tick); builds.append(built - tick)
weeks = spec.run.horizon_weeks + spec.run.spinup_weeks
print(json.dumps({"firms": spec.run.firms, "weeks": weeks, "repeats": repeats,
                  "median_s": statistics.median(times), "build_s": statistics.median(builds),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BOLTZMANN = r"""
import json, sys, time
from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth
n = int(sys.argv[1])
model = BoltzmannWealth(scenario=BoltzmannScenario(n=n, width=100, height=100, rng=1))
model.step()
steps, tick = 0, time.perf_counter()
while time.perf_counter() - tick < 1.5:
    model.step(); steps += 1
print(json.dumps({"agents": n, "steps": steps, "agent_steps_per_s": n * steps / (time.perf_counter() - tick)}))
"""


PAIRED = r"""
import json, statistics, sys, time
from model.config import build_spec
from model.config.compose import compose_config
from model.sim.paired import simulate
overrides, repeats = json.loads(sys.argv[1]), int(sys.argv[2])
spec = build_spec(compose_config(overrides))
simulate(build_spec(compose_config(overrides + ["run.horizon_weeks=8", "run.spinup_weeks=1"])), 99)  # warm-up
times, counterfactual = [], []
for r in range(repeats):
    tick = time.perf_counter(); rep = simulate(spec, r); times.append(time.perf_counter() - tick)
    counterfactual.append(rep.counterfactual_seconds)
print(json.dumps({"repeats": repeats, "median_s": statistics.median(times),
                  "counterfactual_s": statistics.median(counterfactual)}))
"""


def child(code: str, *args: str, cwd: Path = ROOT, env: dict | None = None) -> dict:
    done = subprocess.run(
        [PYTHON, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env or os.environ.copy(),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def replication(overrides: list[str], repeats: int) -> dict:
    return child(CHILD, json.dumps(["scenario=ambiguous_curbs", *overrides]), str(repeats))


def digests(env: dict | None = None, cwd: Path = ROOT) -> dict:
    done = subprocess.run(
        [PYTHON, str(HERE / "digest.py")],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env or os.environ.copy(),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout)


def hottest(env: dict | None = None, cwd: Path = ROOT, top: int = 5) -> list[dict]:
    code = r"""
import cProfile, json, pstats, sys
from model.config import build_spec
from model.config.compose import compose_config
from model.sim.greyzone import GreyzoneModel
spec = build_spec(compose_config(["scenario=ambiguous_curbs"]))
GreyzoneModel(spec, 9).run()
model = GreyzoneModel(spec, 0)
profile = cProfile.Profile(); profile.enable(); model.run(); profile.disable()
stats = pstats.Stats(profile).sort_stats("tottime")
rows = []
for (file, line, name), (cc, nc, tt, ct, callers) in stats.stats.items():
    where = "/".join(file.split("/")[-2:])
    rows.append({"function": f"{where}:{line}({name})",
                 "calls": nc, "tottime_s": round(tt, 4), "cumtime_s": round(ct, 4)})
rows.sort(key=lambda r: -r["tottime_s"])
print(json.dumps({"total_s": round(sum(r["tottime_s"] for r in rows), 3), "top": rows[:int(sys.argv[1])]}))
"""
    return child(code, str(top), cwd=cwd, env=env)


def sweep(args: list[str], workdir: Path) -> float:
    tick = time.perf_counter()
    done = subprocess.run(
        [GREYZONE, *args, "run.progress=false"], capture_output=True, text=True, cwd=workdir, check=False
    )
    wall = time.perf_counter() - tick
    if done.returncode != 0:
        raise RuntimeError(f"sweep failed: {' '.join(args)}\n{done.stderr[-3000:]}")
    return wall


# --- the suite ------------------------------------------------------------------------------------
def record_before() -> dict:
    """Measure the code before the speed-ups in a git worktree (profile, default time, digests)."""
    worktree = Path(tempfile.mkdtemp(prefix="greyzone_before_")) / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), BEFORE_COMMIT],
        check=True,
        capture_output=True,
    )
    try:
        env = {**os.environ, "PYTHONPATH": str(worktree)}
        log(f"before ({BEFORE_COMMIT}): digests, profile, default replication")
        result = {
            "commit": BEFORE_COMMIT,
            "machine": machine(),
            "digests": digests(env, worktree),
            "profile": hottest(env, worktree),
            "default": child(CHILD, json.dumps(["scenario=ambiguous_curbs"]), "5", cwd=worktree, env=env),
            "paired": child(PAIRED, json.dumps(["scenario=ambiguous_curbs"]), "5", cwd=worktree, env=env),
            "firms_10k": child(
                CHILD, json.dumps(["scenario=ambiguous_curbs", "run.firms=10000"]), "1", cwd=worktree, env=env
            ),
        }
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(worktree.parent, ignore_errors=True)
    BEFORE.write_text(json.dumps(result, indent=2) + "\n")
    return result


def run_suite(quick: bool, main_replications: int) -> dict:
    before = json.loads(BEFORE.read_text()) if BEFORE.exists() else None
    results: dict = {"machine": machine(), "quick": quick, "targets": TARGETS}
    log("identity: digests of fixed runs")
    now = digests()
    results["identity"] = {
        "reference_commit": before["commit"] if before else None,
        "identical": before is not None and now == before["digests"],
        "runs": len(now),
    }
    log("default replication")
    results["default"] = replication([], 5)
    log("default paired replication (engine, outcomes, counterfactual)")
    results["paired"] = child(PAIRED, json.dumps(["scenario=ambiguous_curbs"]), "5")
    sizes = (1000, 10000) if quick else (1000, 10000, 100000)
    results["throughput"] = {}
    for firms in sizes:
        log(f"throughput at {firms} firms")
        repeats = 3 if firms <= 1000 else 1
        horizon = ["run.horizon_weeks=104"] if quick and firms > 1000 else []
        run = replication([f"run.firms={firms}", *horizon], repeats)
        run["firm_steps_per_s"] = firms * run["weeks"] / run["median_s"]
        run["seconds_per_step"] = run["median_s"] / run["weeks"]
        log(f"  boltzmann at {firms} agents")
        run["boltzmann"] = child(BOLTZMANN, str(firms))
        run["multiple_of_boltzmann"] = run["firm_steps_per_s"] / run["boltzmann"]["agent_steps_per_s"]
        results["throughput"][str(firms)] = run
    log("the limit: one compiled pass over the firm state at 10,000 firms")
    limit = subprocess.run(
        [PYTHON, str(HERE / "limit.py"), "10000"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if limit.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{limit.stderr[-3000:]}")
    results["limit"] = json.loads(limit.stdout.strip().splitlines()[-1])
    per_firm = {k: v["seconds_per_step"] / int(k) for k, v in results["throughput"].items()}
    results["scaling"] = {
        "seconds_per_step_per_firm": per_firm,
        "at_most_linear": all(per_firm[k] <= per_firm["1000"] * 1.05 for k in per_firm),
    }
    results["sweeps"] = sweeps(quick, main_replications)
    log("profile of a default replication")
    results["profile_now"] = hottest()
    results["before"] = before
    results["bench_seconds"] = time.perf_counter() - START
    return results


def sweeps(quick: bool, main_replications: int) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="greyzone_bench_") as tmp:
        work = Path(tmp)
        reps = 8
        log(f"memory with 2 and {reps} replications (results stream to disk)")
        memory = {}
        for n in (2, reps):
            code = (
                r"import json, resource, subprocess, sys; "
                r"subprocess.run(sys.argv[1:], check=True, capture_output=True); "
                r"print(json.dumps({'peak_rss_mib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))"
            )
            memory[n] = child(
                code,
                GREYZONE,
                f"run.replications={n}",
                f"hydra.run.dir={work / f'mem{n}'}",
                "run.progress=false",
            )["peak_rss_mib"]
        out["memory_mib_by_replications"] = memory
        per_job = 4 if quick else 12
        grid = [
            "-m",
            "scenario=ambiguous_curbs,blanket_ban,end_use_ban,targeted_heavy",
            f"run.replications={per_job}",
        ]
        log(f"the same 4-job sweep ({per_job} paired replications each) with 1 and with 2 joblib workers")
        serial = sweep([*grid, "hydra.launcher.n_jobs=1", f"hydra.sweep.dir={work / 's1'}"], work)
        parallel = sweep([*grid, "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={work / 's2'}"], work)
        out["workers"] = {
            "serial_s": serial,
            "two_workers_s": parallel,
            "speedup": serial / parallel,
            "serial_job_s_per_replication": _job_rate(work / "s1"),
            "parallel_job_s_per_replication": _job_rate(work / "s2"),
            "job_seconds_serial": _job_seconds(work / "s1"),
            "replications": 4 * per_job,
        }
        out["workers"]["fixed_s"] = out["workers"]["serial_s"] - out["workers"]["job_seconds_serial"]
        out["workers"]["fixed_share"] = out["workers"]["fixed_s"] / out["workers"]["serial_s"]
        out["job"] = job_overhead(work / "s1")
        total = 20 if quick else main_replications
        log(f"{total} replications of the main comparison (curbs and ban, paired) on all cores")
        wall = sweep(
            [
                "-m",
                "scenario=ambiguous_curbs,blanket_ban",
                f"run.replications={total // 2}",
                f"hydra.sweep.dir={work / 'main'}",
            ],
            work,
        )
        out["main_comparison"] = {
            "replications": total,
            "wall_s": wall,
            "seconds_per_replication": wall / total,
        }
    return out


def _job_rate(sweep_dir: Path) -> float:
    """Median seconds per replication inside the jobs of a sweep (from their run.json)."""
    return statistics.median(
        json.loads(p.read_text())["seconds_per_replication"] for p in sweep_dir.glob("*/run.json")
    )


def _job_seconds(sweep_dir: Path) -> float:
    return sum(json.loads(p.read_text())["wall_seconds"] for p in sweep_dir.glob("*/run.json"))


def job_overhead(serial_sweep: Path) -> dict:
    """Hydra's per-job overhead: in a serial sweep, the gap between one job's end and the next
    job's start (composing, launching, logging set-up), against a 20-replication job."""
    metas = [json.loads(p.read_text()) for p in sorted(serial_sweep.glob("*/run.json"))]
    metas.sort(key=lambda m: m["job"]["num"])
    starts = [dt.datetime.fromisoformat(m["started_at"]) for m in metas]
    ends = [s + dt.timedelta(seconds=m["wall_seconds"]) for s, m in zip(starts, metas, strict=True)]
    gaps = [(starts[i + 1] - ends[i]).total_seconds() for i in range(len(metas) - 1)]
    gap = statistics.median(gaps)
    per_replication = statistics.median(m["seconds_per_replication"] for m in metas)
    job_20 = 20 * per_replication + gap
    return {
        "replications": 20,
        "overhead_s": gap,
        "gaps_s": gaps,
        "wall_s": job_20,
        "seconds_per_replication_with_outputs": per_replication,
        "overhead_share": gap / job_20,
    }


# --- report ---------------------------------------------------------------------------------------
def verdict(value: float, target: float, higher_is_better: bool) -> str:
    ok = value >= target if higher_is_better else value <= target
    if ok:
        return "met"
    factor = target / value if higher_is_better else value / target
    return f"missed by {factor:.1f}x"


def markdown(r: dict) -> str:
    m, t, th, sw = r["machine"], r["targets"], r["throughput"], r["sweeps"]
    ten = th.get("10000", {})
    hundred = th.get("100000")
    lines = [
        "# greyzone benchmarks",
        "",
        f"Measured {m['date']} on {m['platform']} ({m['cpus']} CPUs, {m['processor']}), Python {m['python']}, "
        f"by `make bench` (`python benchmarks/run.py{' --quick' if r['quick'] else ''}`), "
        f"which took {r['bench_seconds'] / 60:.1f} minutes.",
        "",
        "| measure | value | target | verdict |",
        "|---|---|---|---|",
        f"| identical results to the code before the speed-ups ({r['identity']['runs']} digests; "
        "`benchmarks/digest.py`, against before.json) | "
        f"{'yes' if r['identity']['identical'] else 'NO'} | identical | "
        f"{'met' if r['identity']['identical'] else 'missed'} |",
        f"| one default replication (500 firms, 520 weeks), engine alone, median | {r['default']['median_s']:.3f} s | "
        "- | - |",
        f"| one default paired replication (engine, outcomes and its counterfactual), median | "
        f"{r['paired']['median_s']:.3f} s (counterfactual {r['paired']['counterfactual_s']:.3f} s) | "
        f"<= {t['paired_replication_s']} s | {verdict(r['paired']['median_s'], t['paired_replication_s'], False)} |",
    ]
    for firms, run in th.items():
        lines.append(
            f"| firm-steps per second, {int(firms):,} firms (single core) | {run['firm_steps_per_s']:,.0f} | "
            + (
                f">= {t['firm_steps_per_s_10k']:,} | {verdict(run['firm_steps_per_s'], t['firm_steps_per_s_10k'], True)} |"
                if firms == "10000"
                else "- | - |"
            )
        )
        lines.append(
            f"| Mesa BoltzmannWealth agent-steps per second, {int(firms):,} agents | "
            f"{run['boltzmann']['agent_steps_per_s']:,.0f} | - | - |"
        )
    if ten:
        lines.append(
            f"| greyzone / Boltzmann at 10,000 | {ten['multiple_of_boltzmann']:.1f}x | >= {t['boltzmann_multiple_10k']:.0f}x | "
            f"{verdict(ten['multiple_of_boltzmann'], t['boltzmann_multiple_10k'], True)} |"
        )
    lim = r["limit"]
    lines.append(
        f"| the limit at 10,000 firms: one compiled read-and-write pass over the firm state "
        f"({lim['state_mib']:.1f} MiB in {lim['state_arrays']} arrays) | {lim['one_pass_s'] * 1e3:.2f} ms "
        f"({lim['one_pass_gb_per_s']:.1f} GB/s), at most {lim['limit_firm_steps_per_s']:,.0f} firm-steps/s | - | "
        f"engine week {lim['engine_week_s'] * 1e3:.1f} ms = {lim['engine_in_passes']:.1f} passes |"
    )
    per_firm = r["scaling"]["seconds_per_step_per_firm"]
    lines.append(
        "| time per step per firm, "
        + " / ".join(f"{int(k):,}" for k in per_firm)
        + " firms | "
        + " / ".join(f"{v * 1e6:.2f} us" for v in per_firm.values())
        + f" | not rising | {'met' if r['scaling']['at_most_linear'] else 'missed'} |"
    )
    if hundred:
        gib = hundred["peak_rss_mib"] / 1024
        lines.append(
            f"| peak memory, 100,000 firms x {hundred['weeks']} weeks | {gib:.2f} GiB | <= {t['peak_memory_100k_gib']} GiB | "
            f"{verdict(gib, t['peak_memory_100k_gib'], False)} |"
        )
    mem = sw["memory_mib_by_replications"]
    lines.append(
        "| peak memory of a job by replications | "
        + ", ".join(f"{k}: {v:.0f} MiB" for k, v in mem.items())
        + " | not growing | "
        + ("met" if max(mem.values()) <= min(mem.values()) * 1.1 else "missed")
        + " |"
    )
    main = sw["main_comparison"]
    full = main["replications"] == 1000
    at_1000 = main["wall_s"] if full else main["seconds_per_replication"] * 1000
    lines.append(
        f"| {main['replications']:,} replications of the main comparison (curbs and ban, paired), {m['cpus']} cores, "
        f"`greyzone -m scenario=ambiguous_curbs,blanket_ban run.replications={main['replications'] // 2}` | "
        f"{main['wall_s']:.0f} s"
        + ("" if full else f" (x {1000 / main['replications']:.0f}: {at_1000:.0f} s for 1,000)")
        + f" | <= {t['sweep_1000_replications_s']:.0f} s for 1,000 | "
        + verdict(at_1000, t["sweep_1000_replications_s"], False)
        + ("" if full else " (scaled linearly, not run at 1,000)")
        + " |"
    )
    w = sw["workers"]
    # the same sweep at 1,000 replications: fixed costs once, job work per replication as measured
    r1, r2 = w["serial_job_s_per_replication"], w["parallel_job_s_per_replication"]
    speedup_1000 = (w["fixed_s"] + 1000 * r1) / (w["fixed_s"] + 1000 * r2 / 2)
    fixed_1000 = w["fixed_s"] / (w["fixed_s"] + 1000 * r1)
    lines.append(
        f"| 2 joblib workers against 1 (same 4-job sweep, {w['replications']} paired replications) | "
        f"{w['speedup']:.2f}x ({w['serial_s']:.0f} s / {w['two_workers_s']:.0f} s); at 1,000 replications "
        f"{speedup_1000:.2f}x (estimated: fixed costs once, {r1:.2f} s / {r2:.2f} s per replication inside "
        f"jobs with 1 / 2 workers) | >= {t['two_worker_speedup']}x at 1,000 | "
        f"{verdict(speedup_1000, t['two_worker_speedup'], True)} (estimated) |"
    )
    lines.append(
        f"| fixed per-sweep costs (start, composing jobs, the aggregate report) in that serial sweep | "
        f"{w['fixed_s']:.0f} s ({100 * w['fixed_share']:.0f}% of {w['serial_s']:.0f} s; "
        f"{100 * fixed_1000:.1f}% of a 1,000-replication sweep, estimated) | < 10% at 1,000 | "
        f"{verdict(fixed_1000, t['fixed_sweep_share'], False)} (estimated) |"
    )
    job = sw["job"]
    lines.append(
        f"| Hydra per-job overhead, {job['replications']}-replication job | {job['overhead_s']:.1f} s "
        f"({100 * job['overhead_share']:.0f}% of {job['wall_s']:.1f} s) | <= 10% | "
        f"{verdict(job['overhead_share'], t['job_overhead_share'], False)} |"
    )
    lines += ["", "## The five hottest functions of a default replication (cProfile, tottime)", ""]
    before = r.get("before")
    if before:
        lines += [
            f"Before the speed-ups (commit {before['commit']}, measured {before['machine']['date']}; "
            f"default replication {before['default']['median_s']:.2f} s, "
            + (f"paired {before['paired']['median_s']:.2f} s, " if "paired" in before else "")
            + f"10,000 firms {before['firms_10k']['median_s']:.1f} s):",
            "",
        ]
        lines += _profile_table(before["profile"])
    lines += ["", "Now:", ""]
    lines += _profile_table(r["profile_now"])
    lines += ["", "## Where targets are missed, and why", "", WHY.rstrip("\n"), *_workers_why(sw["workers"])]
    equivalence = HERE / "equivalence.md"
    if equivalence.exists():
        table = equivalence.read_text().split("\n", 2)[2]  # without its title
        lines += [
            "",
            "## Results before and after the speed-ups (benchmarks/equivalence.md)",
            "",
            table.rstrip("\n"),
        ]
    return "\n".join(lines) + "\n"


def _workers_why(w: dict) -> list[str]:
    if "serial_job_s_per_replication" not in w:
        return []
    slower = w["parallel_job_s_per_replication"] / w["serial_job_s_per_replication"]
    fixed = w["serial_s"] - w["job_seconds_serial"]
    return [
        f"- Two workers: inside the jobs a replication took {w['serial_job_s_per_replication']:.2f} s with one "
        f"worker and {w['parallel_job_s_per_replication']:.2f} s with two ({slower:.2f}x: the two cores share "
        f"memory bandwidth and cache), so two workers can give at most {2 / slower:.2f}x; and "
        f"{fixed:.0f} s of the {w['serial_s']:.0f} s serial sweep is fixed cost that workers do not share "
        "(starting the sweep, composing and launching jobs, the aggregate report at the end).",
    ]


def _profile_table(profile: dict) -> list[str]:
    rows = ["| function | calls | tottime (s) | cumtime (s) |", "|---|---|---|---|"]
    rows += [
        f"| `{p['function']}` | {p['calls']} | {p['tottime_s']} | {p['cumtime_s']} |" for p in profile["top"]
    ]
    return [*rows, f"| (profiled total) | | {profile['total_s']} | |"]


WHY = """\
Results are bit-identical to the code before the speed-ups (the digests above), so the
before/after table below finds no difference in any outcome. The speed-ups of issue 18:
short sums inlined into the kernels that use them (the China pipeline pass was 6x slower
than its loop for the call), licence filing and licence decisions each in one compiled pass
with their random draws inside (numba draws from the same numpy Generator, in the same
order, so the numbers stay the same), customs holds and shipping in one pass, column sums
and ratios compiled. What remains, as the profile and the limit row show:

- At the default size (500 firms) a week is about 2.4 ms: about 1.1 ms of it is fixed
  Python-level cost (some sixty stage calls, numpy operations on per-material vectors, the
  recorder's sixty series), measured by running 20 firms, and the rest some forty kernel
  passes over firm x material arrays that fit in cache. A paired replication runs the week
  twice. Reaching 0.15 s (0.14 ms a week) needs the week in a few compiled passes with the
  agents' aggregate state in compiled records, i.e. no Python between stages: a rewrite of
  the engine's stage functions, not a tuning of them.
- At 10,000 firms the firm state is the limit row's size, and a week costs several passes
  over it; the larger kernels timed alone run within 2-3x of streaming their arrays. The 5,000,000 firm-steps/s
  target is above what one pass over this state allows on this machine (the limit row):
  it needs less state per firm (float32 beliefs and flows, fewer arrays, the licence slots
  as counts), not only fewer passes.
- The sweep figures follow from the per-replication time (plus writing about 230,000 weekly
  rows per replication and its counterfactual's outcomes).
- This machine's timings vary by 10-20% from run to run (a shared VM without hardware
  counters); "before" and "now" above were measured minutes apart by this script, and the
  10,000-firm "before" figure is a single run.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    parser.add_argument("--record-before", action="store_true", help="re-measure the pre-speed-up baseline")
    parser.add_argument(
        "--main-replications",
        type=int,
        default=200,
        help="replications of the main comparison (1000: full size)",
    )
    args = parser.parse_args(argv)
    if args.main_replications < 2 or args.main_replications % 2:
        parser.error(f"--main-replications: got {args.main_replications}; an even number >= 2")
    if args.record_before:
        record_before()
    results = run_suite(args.quick, args.main_replications)
    (HERE / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (HERE / "results.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
