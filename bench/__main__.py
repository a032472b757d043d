"""`python -m bench [--quick] [--only a,b] [--out bench/RESULTS.md]`: the whole benchmark suite.

Sections: ack-slack, ack-teams, fanout, results, detector, timeparse, coldstart, storage, backlog, schedules,
retention. Each starts its
own processes on loopback, and a failing section is reported without stopping the others (the exit code
is then 1). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import (
    ack,
    aggregate,
    backlog,
    coldstart,
    detector,
    fanout,
    load,
    proc,
    retention,
    schedules,
    storage_engine,
    timeparse,
)
from bench.ack import Plan as AckPlan
from bench.pg import temp_database
from bench.report import Report, f, table
from bench.stats import Figure, ratios

SECTIONS = ("ack-slack", "ack-teams", "fanout", "results", "detector", "timeparse", "coldstart", "storage",
            "backlog", "schedules", "retention")
SERVER_NICENESS = 10  # measured servers run below the load generator and the fakes (see docs/benchmarks.md)


@dataclass(frozen=True)
class Sizes:
    ack: AckPlan
    ack_teams: AckPlan
    ack_channels: int
    fanout_members: int
    fanout_window: float  # seconds of sending watched after the first DM
    paced_members: int
    rounds: int
    answers: int
    result_reps: int
    detector_passes: int
    timeparse_passes: int
    coldstart_reps: int
    coldstart_idle: float
    storage_n: int
    storage_rounds: int
    backlog_n: int = 1_000_000
    backlog_rounds: int = 200
    schedules_plan: schedules.Plan = schedules.Plan(500, 10, 2)
    retention_plan: retention.Plan = retention.Plan(retention.Traffic(dms=10, inbound=40, prompts=2, parked=1), 30.0, 180.0)
    retention_postgres: bool = True
    fanout_rounds: int = 3  # the floor and the bot on SQLite, interleaved: floor, bot, floor, bot, …


FULL = Sizes(ack.FULL, ack.FULL_TEAMS, 100, 10_000, 30.0, 450, 1000, 1000, 20, 15, 7, 3, 2.0, 200, 3)
QUICK = Sizes(ack.QUICK, ack.QUICK, 12, 100, 3.0, 20, 40, 200, 4, 2, 2, 1, 1.0, 40, 1, 20_000, 25,
              schedules.Plan(6, 10, 1),
              retention.Plan(retention.Traffic(dms=2, inbound=5, prompts=1, parked=1), 1.0, 1.0, month=4, parked_for=1),
              retention_postgres=False, fanout_rounds=1)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---- 1 & 2: ack latency ------------------------------------------------------------------------------
async def run_ack(platform: str, work: Path, sizes: Sizes, report: Report) -> None:
    fakes = await proc.start_fakes(work)
    baseline = bot = None
    confined: set[int] | None = None
    client = load.Client()
    try:
        baseline = await proc.start_baseline(work, fakes.info["slack"])
        bot, url = await proc.start_bot(work, f"sqlite:///{work / f'ack-{platform}.db'}", fakes.info["slack"],
                                        name=f"ack-{platform}")
        for server in (baseline, bot):
            server.lower_priority(SERVER_NICENESS)
        confined = proc.confine_load(fakes, (baseline, bot))  # CPUs of their own (docs/benchmarks.md, "Method notes")
        env = ack.Env(client, fakes.info["control"], fakes.info["slack"], fakes.info["connector"], url,
                      baseline.info["url"], channels=sizes.ack_channels)
        await ack.setup(env, platform)
        scenarios = ack.slack_scenarios(env) if platform == "slack" else ack.teams_scenarios(env)
        plan = sizes.ack if platform == "slack" else sizes.ack_teams
        series = await ack.run(env, scenarios, plan, log)
        rows = ack.table(platform, scenarios, plan, series)
    finally:
        proc.release_load(confined)
        await client.close()
        for p in (bot, baseline, fakes):
            if p is not None:
                await p.stop()
    name = "Slack" if platform == "slack" else "Teams"
    number = 1 if platform == "slack" else 2
    report.facts[f"{platform}_rows"] = rows
    report.section(f"{number}. {name}: ack latency, bot vs bare framework (ms)", table(
        ["request", "concurrent", "samples", "p50 floor", "p50 bot", "p50 ratio", "p99 floor", "p99 bot",
         "p99 ratio"],
        [[r["scenario"], r["concurrency"], r["samples"], f(r["base_p50"]), f(r["bot_p50"]), f(r["ratio_p50"]),
          f(r["base_p99"]), f(r["bot_p99"]), f(r["ratio_p99"])] for r in rows]))
    worst50 = max(rows, key=lambda r: r["ratio_p50"].median)
    worst99 = max(rows, key=lambda r: r["ratio_p99"].median)
    report.target(number, f"{name} ack p50 ratio (worst case)", "≤ 1.3×",
                  f"{f(worst50['ratio_p50'])} ({worst50['scenario']}, {worst50['concurrency']} at once)",
                  worst50["ratio_p50"].median <= 1.3)
    report.target(number, f"{name} ack p99 ratio (worst case)", "≤ 1.5×",
                  f"{f(worst99['ratio_p99'])} ({worst99['scenario']}, {worst99['concurrency']} at once)",
                  worst99["ratio_p99"].median <= 1.5)
    if all("reply_ratio_p50" in r for r in rows):
        where = "the fake connector" if platform == "teams" else "the fake Slack API"
        floor_does = ("replies \"ok\" through the connector" if platform == "teams" else
                      "acks and answers \"ok\" (`respond` to the response_url for a command, a thread reply "
                      "through chat.postMessage for a message)")
        report.section(f"{number}b. {name}: time to the reply at {where}, bot vs bare framework (ms)", table(
            ["request", "concurrent", "p50 floor", "p50 bot", "p50 ratio", "p99 floor", "p99 bot", "p99 ratio"],
            [[r["scenario"], r["concurrency"], f(r["reply_base_p50"]), f(r["reply_bot_p50"]), f(r["reply_ratio_p50"]),
              f(r["reply_base_p99"]), f(r["reply_bot_p99"]), f(r["reply_ratio_p99"])] for r in rows])
            + ["", f"From the start of a burst to each reply arriving at {where}: what the person waits for. The "
               f"floor {floor_does} and does nothing else; the bot reads and writes its database first "
               "(a command: its de-duplication key, the person, its own work; a message: the scope watcher's "
               "settings read and thread claim)."
               + (" A slash command the bot answered in its acknowledgement's body counts from when the client "
                  "had read that ack." if platform == "slack" else "")])
        slow50 = max(rows, key=lambda r: r["reply_ratio_p50"].median)
        slow99 = max(rows, key=lambda r: r["reply_ratio_p99"].median)
        report.target(number, f"{name} time to the reply p50 ratio (worst case)", "≤ 1.2×",
                      f"{f(slow50['reply_ratio_p50'])} ({slow50['scenario']}, {slow50['concurrency']} at once)",
                      slow50["reply_ratio_p50"].median <= 1.2)
        report.target(number, f"{name} time to the reply p99 ratio (worst case)", "≤ 1.5×",
                      f"{f(slow99['reply_ratio_p99'])} ({slow99['scenario']}, {slow99['concurrency']} at once)",
                      slow99["reply_ratio_p99"].median <= 1.5)


# ---- 3: pulse fan-out --------------------------------------------------------------------------------
async def run_fanout(work: Path, sizes: Sizes, report: Report, postgres: bool) -> None:
    fakes = await proc.start_fakes(work)
    pg: dict[str, Any] | None = None
    pgs: list[dict[str, Any]] = []
    try:
        # The floor and the bot alternate, as every other ratio of this suite: floor, bot, floor, bot, … Each
        # round's ratio is its bot ÷ its floor; the row gives their median and range (docs/benchmarks.md,
        # "Pulse fan-out (target 3)").
        # PostgreSQL's run takes its place in each round too: its target is absolute, and one run alone carried
        # whatever the machine was doing at that moment.
        floors: list[dict[str, Any]] = []
        frees: list[dict[str, Any]] = []
        for rnd in range(sizes.fanout_rounds):
            floors.append(await fanout.floor_run(work, fakes, sizes.fanout_members, niceness=SERVER_NICENESS))
            frees.append(await fanout.bot_run(work, fakes, f"sqlite:///{work / f'fanout-{rnd}.db'}",
                                              sizes.fanout_members, paced=False, window=sizes.fanout_window,
                                              niceness=SERVER_NICENESS))
            said = f"bot {frees[-1].get('send_rate', math.nan):.0f} DMs/s"
            if postgres:
                async with temp_database() as url:
                    pgs.append(await fanout.bot_run(work, fakes, url, sizes.fanout_members, paced=False,
                                                    window=sizes.fanout_window, niceness=SERVER_NICENESS))
                said += f", on PostgreSQL {pgs[-1].get('send_rate', math.nan):.0f} DMs/s"
            log(f"fan-out round {rnd + 1}/{sizes.fanout_rounds}: floor {floors[-1]['send_rate']:.0f} DMs/s, {said}")
        floor, free = fanout.median_round(floors, frees)
        pg = fanout.median_run(pgs) if pgs else None
        paced = await fanout.bot_run(work, fakes, f"sqlite:///{work / 'paced.db'}", sizes.paced_members,
                                     paced=True, window=sizes.paced_members / 10 * 2 + 30, niceness=SERVER_NICENESS)
        log(f"paced: {paced.get('share', math.nan):.1%} of the allowed rate")
    finally:
        await fakes.stop()
    report.facts.update(fanout_free=free, fanout_paced=paced, fanout_floor=floor, fanout_pg=pg)
    n = free["members"]

    def done(run: dict[str, Any]) -> str:
        return "all" if run["people"] >= n else f"{run['people']:,} of {n:,} (watched {sizes.fanout_window:.0f} s)"

    def row(label: str, run: dict[str, Any], rate: Figure | None = None, ratio: Figure | None = None) -> list[str]:
        if ratio is None:
            ratio = Figure.of([run.get("send_rate", math.nan) / floor["send_rate"] if floor["send_rate"] else math.nan])
        return [f"{label} (ratio to floor {f(ratio)})", f"{n:,}", done(run),
                f(rate if rate is not None else run.get("send_rate"), 0),
                f(run.get("end_to_end_rate"), 0), f(run.get("first_dm_after_s"), 1, " s"),
                f(run["peak_rss_mb"], 0, " MB"), f(run["idle_rss_mb"], 0, " MB"), f(run["bot_cpu_s"], 1, " s"),
                str(run["rejected_429"]), "—" if run["people"] < n else str(run["lost"]), str(run["duplicates"])]

    bot_rates = [r.get("send_rate", math.nan) for r in frees]
    floor_rates = [r["send_rate"] for r in floors]
    rates, floor_figure, per_round = Figure.of(bot_rates), Figure.of(floor_rates), Figure.of(ratios(bot_rates, floor_rates))
    rows = [[f"floor: bare slack_sdk client, pulse-sized DMs, {fanout.FLOOR_CONCURRENCY} at a time", f"{floor['dms']:,}",
             f"{floor['dms']:,}", f(floor_figure, 0), "", "", "", "", "", "0", "", ""],
            row("bot on SQLite, unlimited fake", free, rates, per_round)]
    pg_rates = [r.get("send_rate", math.nan) for r in pgs]
    pg_figure = Figure.of(pg_rates) if pgs else None
    if pg is not None:
        rows.append(row("bot on PostgreSQL, unlimited fake", pg, pg_figure, Figure.of(ratios(pg_rates, floor_rates))))
    rows.append([f"bot on SQLite, paced fake (600/min, 1/s per channel): share "
                 f"{f(paced.get('share', math.nan) * 100, 1, ' %')}",
                 f"{paced['members']:,}", f"{paced['people']:,}", f(paced.get("send_rate"), 2),
                 f(paced.get("end_to_end_rate"), 2), f(paced.get("first_dm_after_s"), 1, " s"),
                 f(paced["peak_rss_mb"], 0, " MB"), f(paced["idle_rss_mb"], 0, " MB"), f(paced["bot_cpu_s"], 1, " s"),
                 str(paced["rejected_429"]), str(paced["lost"]), str(paced["duplicates"])])
    outbox = f"Outbox after the unlimited run: {free['outbox']}"
    if pg is not None:
        outbox += f"; on PostgreSQL: {pg['outbox']}"
    report.section("3. Pulse fan-out (`/pulse now`, fake Slack API in its own process)", table(
        ["run", "people", "DMs sent", "DMs/s sending", "DMs/s end to end", "first DM after", "peak RSS",
         "idle RSS", "bot CPU", "429s", "lost", "doubles"], rows)
        + ["", f"{outbox}; after the paced run: {paced['outbox']}. Pending rows are the reminders, due days later."])
    report.target(3, f"fan-out DMs/s ({n:,} people, SQLite)", "≥ 1 000 DMs/s", f(rates, 0), rates.median >= 1000)
    report.target(3, f"fan-out on SQLite vs the bare slack_sdk floor ({n:,} people)", "≥ 0.5×",
                  f"{f(per_round)} ({f(rates, 0)} vs {f(floor_figure, 0)} DMs/s"
                  f"{', rounds interleaved' if len(floors) > 1 else ''})", per_round.median >= 0.5)
    if pg is not None and pg_figure is not None:
        report.target(3, f"fan-out DMs/s ({n:,} people, PostgreSQL), lost, doubled", "≥ 1 000 DMs/s, 0, 0",
                      f"{f(pg_figure, 0)}, {'—' if pg['people'] < n else pg['lost']} lost, "
                      f"{pg['duplicates']} doubled",
                      pg_figure.median >= 1000 and pg["people"] >= n and pg["lost"] == 0
                      and pg["duplicates"] == 0)
    else:
        report.target(3, "fan-out DMs/s on PostgreSQL", "≥ 1 000 DMs/s", "PostgreSQL not measured", None)
    report.target(3, "fan-out peak RSS", "< 250 MB", f(free["peak_rss_mb"], 0, " MB"), free["peak_rss_mb"] < 250)
    share = paced.get("share", math.nan)
    report.target(3, "paced fan-out: share of the allowed rate, lost", "≥ 95 %, 0 lost",
                  f"{f(share * 100, 1, ' %')}, {paced['lost']} lost, {paced['duplicates']} doubles",
                  share >= 0.95 and paced["lost"] == 0 and paced["duplicates"] == 0)


# ---- 4: results ----------------------------------------------------------------------------------------
async def run_results(work: Path, sizes: Sizes, report: Report, postgres: bool) -> None:
    got = await aggregate.run(work, sizes.rounds, sizes.answers, sizes.result_reps, postgres)
    report.facts["results"] = got
    rows = []
    for name in ("postgres", "sqlite"):
        r = got.get(name)
        if r is None:
            continue
        if "skipped" in r:
            rows.append([name, r["skipped"], "", "", "", "", "", "", "", ""])
            continue
        rows.append([name, f"{r['answers']:,}", f(r["recent_ms"]), f(r["command_ms"]), f(r["floor_ms"]),
                     f(r["ratio_recent"]), f(r["all_rounds_ms"]), f(r["from_answers_ms"], 0),
                     f(r["totals_s"], 1, " s"), r["plan"]])
    report.section(f"4. Team results: {sizes.rounds:,} rounds × {sizes.answers:,} answers (ms)", table(
        ["database", "answers", "recent_stats (12 rounds)", "/pulse results", "floor (count per round)",
         "ratio", f"all {sizes.rounds:,} rounds", "all rounds from the answers", "totals written (once)",
         "plan"], rows) + ["", "Sealed rounds are read from their totals (one row per round, written in SQL when "
                           "the round is sealed); an open round's answers are encrypted until its seal, so it "
                           "is only counted. The \"from the answers\" column aggregates every round's anonymous "
                           "rows, what results cost before totals existed."])
    pg = got.get("postgres") or {}
    if "recent_ms" in pg:
        report.target(4, "`/pulse results` aggregate on PostgreSQL (12 newest of 1 000 rounds)", "< 100 ms",
                      f"{f(pg['recent_ms'])} ms (whole command {f(pg['command_ms'])} ms)",
                      pg["recent_ms"].median < 100)
        report.target(4, "team results over all 1 000 rounds (1 M answers) on PostgreSQL", "< 100 ms",
                      f"{f(pg['all_rounds_ms'])} ms (from the answers themselves: {f(pg['from_answers_ms'], 0)} ms)",
                      pg["all_rounds_ms"].median < 100)
    else:
        report.target(4, "`/pulse results` aggregate on PostgreSQL", "< 100 ms", "PostgreSQL not measured", None)
    for name in ("postgres", "sqlite"):
        r = got.get(name) or {}
        if "seal_s" in r:
            report.target(4, f"sealing a round of {r['seal_answers']:,} answers with comments ({name}, scrub "
                             "included)", "< 1 s",
                          f"{r['seal_s']:.2f} s (scrub alone {r['scrub_s'] * 1000:.0f} ms; an answer recorded "
                          f"in {r['record_ms']:.1f} ms)", r["seal_s"] < 1.0)


# ---- 8: outbox claim with a backlog of future rows -------------------------------------------------------
async def run_backlog(work: Path, sizes: Sizes, report: Report, postgres: bool) -> None:
    got: dict[str, dict[str, Any]] = {}
    got["SQLite"] = await backlog.run_one(f"sqlite:///{work / 'backlog.db'}", f"sqlite:///{work / 'floor.db'}",
                                          sizes.backlog_n, sizes.backlog_rounds)
    if postgres:
        async with temp_database() as big, temp_database() as empty:
            got["PostgreSQL"] = await backlog.run_one(big, empty, sizes.backlog_n, sizes.backlog_rounds)
    report.facts["backlog"] = got
    rows = []
    for name, r in got.items():
        rows.append([name, f"{r['backlog']:,}", f(r["load_s"], 0, " s"),
                     f"{r['idle_backlog_p50']:.2f} / {r['idle_backlog_p99']:.2f}",
                     f"{r['idle_floor_p50']:.2f} / {r['idle_floor_p99']:.2f}",
                     f"{r['backlog_p50']:.2f} / {r['backlog_p99']:.2f}", f"{r['floor_p50']:.2f} / {r['floor_p99']:.2f}"])
    report.section("8. Outbox claim with a backlog of pending future rows (ms, p50 / p99)", table(
        ["database", "pending future rows", "loaded in", "claim, nothing due", "floor: empty outbox",
         f"claim of {backlog.BATCH} due rows", "floor: empty outbox"], rows)
        + ["", "The floor is the same claim on an empty outbox, measured interleaved in the same run. A claim of "
               f"{backlog.BATCH} due rows includes building the rows' objects for the worker."])
    # The row reads "claim with N pending future rows: p99 < 5 ms; fan-out speed unchanged". The worker's
    # claim between fan-outs finds nothing due among the future rows: that is the p99 < 5 ms. During a
    # fan-out the backlog can only slow the database work of each batch (claim, in-flight and sent marks):
    # "unchanged" is what the backlog adds to that work per DM, against a DM's time in this run's own
    # fan-out (docs/benchmarks.md, "Outbox backlog (section 8)").
    fanouts = {"SQLite": report.facts.get("fanout_free"), "PostgreSQL": report.facts.get("fanout_pg")}
    for name, r in got.items():
        idle_p99 = float(r["idle_backlog_p99"])
        report.target(8, f"outbox claim p99 with {r['backlog']:,} pending future rows (nothing due), {name}",
                      "< 5 ms", f"{idle_p99:.2f} ms (empty outbox {float(r['idle_floor_p99']):.2f})", idle_p99 < 5)
        extra_us = max(0.0, float(r["cycle_backlog_p50"]) - float(r["cycle_floor_p50"])) * 1000 / backlog.BATCH
        claims = (f"a batch's claim and marks {float(r['cycle_backlog_p50']):.2f} vs {float(r['cycle_floor_p50']):.2f} "
                  f"ms p50 (claim alone {float(r['backlog_p50']):.2f} vs {float(r['floor_p50']):.2f} ms)")
        fan = fanouts.get(name) or {}
        rate = float(fan.get("send_rate") or 0.0)
        what = f"fan-out speed beside that backlog: what it adds per DM, {name}"
        if rate > 0:
            per_dm_us = 1e6 / rate
            share = extra_us / per_dm_us
            report.target(8, what, "≤ 5 % of a DM's time", f"{share:.1%} (+{extra_us:.1f} µs per DM on "
                          f"{per_dm_us:.0f} µs at this run's {rate:.0f} DMs/s; {claims})", share <= 0.05)
        else:
            report.target(8, what, "≤ 5 % of a DM's time",
                          f"+{extra_us:.1f} µs per DM; {claims}; no fan-out in this run to weigh it against", None)


# ---- 9: schedules firing in the same minute, two replicas on PostgreSQL -----------------------------------
async def run_schedules(work: Path, sizes: Sizes, report: Report, postgres: bool) -> None:
    plan = sizes.schedules_plan
    what = f"{plan.channels} channels' schedules firing in the same minute, two replicas on PostgreSQL"
    goal = "every round once, every DM enqueued within 60 s, none doubled"
    skipped = await schedules.unreachable(aggregate.PG_ADMIN) if postgres else "PostgreSQL not measured (--no-postgres)"
    if skipped:
        log(f"schedules: {skipped}")
        report.section("9. Schedules firing in the same minute (two replicas, PostgreSQL)", [skipped])
        report.target(9, what, goal, skipped, None)
        return
    r = await schedules.run(work, aggregate.PG_ADMIN, plan, log)
    report.facts["schedules"] = r
    bot, floor, worst = r["bot"], r["floor"], r["worst"]
    people = plan.channels * plan.members
    calls = ", ".join(f"{method} {n:,}" for method, n in sorted(r["slack_calls"].items()))
    report.section(f"9. Schedules firing in the same minute: {plan.channels} channels × {plan.members} people, "
                   "two replicas on PostgreSQL (s)", table(
        ["run", "rounds", "invitations", "reminders", "transactions", "one pass", "ratio to floor", "rounds twice",
         "doubled", "without a DM"],
        [["floor: two workers, bare slack_sdk lookups + plain INSERTs (asyncpg)", floor["rounds"],
          f"{floor['invites']:,}", f"{floor['reminders']:,}", f"{floor['commits']:,}", f(r["floor_s"], 1, " s"), "",
          "", "", ""],
         ["bot: two runtimes, `Scheduler.run_all_once` at once", bot["rounds"], f"{bot['invites']:,}",
          f"{bot['reminders']:,}", f"{bot['commits']:,}", f(r["bot_s"], 1, " s"), f(r["ratio"]),
          worst["rounds_twice"], worst["doubled"], worst["missing"]]])
        + ["", f"{people:,} people; every fake Slack call in flight {schedules.LATENCY * 1000:.0f} ms (fake in its "
               f"own process). Each pass starts from the same prepared database (a copy); {plan.rounds} pass(es) each, "
               "floor and bot interleaved. Transactions: committed in the pass's database (the last pass; "
               f"the bot's include its two start-ups and the check). Slack calls of the bot's last pass: {calls}. Counts of rounds twice, "
               "doubled outbox keys and people without an invitation are the worst pass."])
    report.target(9, what, goal,
                  f"{f(r['bot_s'], 1, ' s')} (floor {f(r['floor_s'], 1, ' s')}, ratio {f(r['ratio'])}); "
                  f"{bot['rounds']} rounds, {worst['rounds_twice']} twice, {worst['doubled']} doubled, "
                  f"{worst['missing']} without a DM", r["holds"])


# ---- 10: retention over a simulated month -----------------------------------------------------------------
async def run_retention(work: Path, sizes: Sizes, report: Report, postgres: bool) -> None:
    plan = sizes.retention_plan
    got: dict[str, dict[str, Any]] = {}
    got["SQLite"] = await retention.run(f"sqlite:///{work / 'retention.db'}", retention.sqlite_copier(work), plan, log)
    skipped = await schedules.unreachable(aggregate.PG_ADMIN) if postgres and sizes.retention_postgres else None
    missing = "not measured (--no-postgres)" if not postgres else "not measured in a quick run (SQLite only)"
    if skipped:
        log(f"retention: {skipped}")
    elif postgres and sizes.retention_postgres:
        copies = retention.PostgresCopies(aggregate.PG_ADMIN)
        try:
            async with temp_database() as url:
                got["PostgreSQL"] = await retention.run(url, copies.copy, plan, log)
        finally:
            await copies.drop()
    report.facts["retention"] = got
    days = plan.checkpoints
    rows = []
    for name, r in got.items():
        for table_name in retention.TABLES:
            on = [r["on"][d][table_name] for d in days]
            off = [r["off"][d][table_name] for d in days]
            rows.append([name, f"`{table_name}`"]
                        + [f"{n:,} / {b / 1024:,.0f} KiB" for n, b in on]
                        + [f"{n:,} / {b / 1024:,.0f} KiB" for n, b in off[1:]])
    t = plan.traffic
    report.section("10. Retention: a simulated month of the same traffic, pruning on vs off (rows / bytes)", table(
        ["database", "table"] + [f"day {d}, pruning on" for d in days] + [f"day {d}, pruning off" for d in days[1:]],
        rows) + ["", f"Every simulated day: {t.dms} DMs queued and sent, {t.inbound} inbound request keys, "
                     f"{t.prompts} scope prompts, {t.parked} parked idea(s) (each unparked {plan.parked_for} days "
                     f"later); retention {plan.outbox_days:g} days for sent outbox rows, {plan.history_days:g} "
                     f"for prompts and closed items, 2 for inbound keys. Day 0 follows {got['SQLite']['history_days']} "
                     "simulated days of the same traffic with pruning on (steady state); both months start from a copy "
                     "of that database. The runtime's housekeeping (its `purge-*` tasks, hourly in production) runs "
                     "once per simulated day; one run took "
                     + "; ".join(f"{f(r['purge_ms'], 1, ' ms')} on {name}" for name, r in got.items()) + "."
                     + ("" if "PostgreSQL" in got else f" PostgreSQL: {skipped or missing}.")])
    for name, r in got.items():
        flat = all(r["flat"].values()) and all(r["grew_off"].values())
        grown = ", ".join(f"{table_name} {r['on'][days[0]][table_name][0]:,} → {r['on'][days[-1]][table_name][0]:,} "
                          f"(off: → {r['off'][days[-1]][table_name][0]:,})" for table_name in retention.TABLES)
        report.target(10, f"retention: rows of the growing tables over a simulated month, {name}",
                      f"flat (day {days[-1]} ≤ day 0), pruning off grows", grown, flat)


# ---- 5, 6: in-process figures --------------------------------------------------------------------------
async def run_detector(sizes: Sizes, report: Report) -> None:
    realistic = detector.run(sizes.detector_passes, ugly=False)
    everything = detector.run(sizes.detector_passes, ugly=True)
    rows = []
    for label, r in (("realistic chat", realistic), ("with ugly inputs", everything)):
        rows.append([label, r["messages"], f(r["per_s"], 0), f(r["p50_us"], 1), f(r["p99_us"], 1),
                     f(r["worst_us"], 0), f(r["naive_per_s"], 0), f(r["naive_p99_us"], 1), f(r["ratio_p99"], 1)])
    report.section("5. Scope-creep detector (in process; µs per message)", table(
        ["corpus", "messages", "messages/s", "p50", "p99", "worst", "floor messages/s", "floor p99",
         "p99 ratio"], rows) + ["", "Floor: one lower-casing and one regex alternation of the obvious phrases. "
                                "Ugly inputs: a 40 000-character paste, a 4 000-character essay, a stack trace, "
                                "unicode controls and emoji."])
    report.target(5, "detector p99 per message (realistic chat)", "< 1 ms", f(realistic["p99_us"], 0, " µs"),
                  realistic["p99_us"].median < 1000)
    report.target(5, "detector p99 per message (with ugly inputs)", "< 1 ms", f(everything["p99_us"], 0, " µs"),
                  everything["p99_us"].median < 1000)


async def run_timeparse(sizes: Sizes, report: Report) -> None:
    r = timeparse.run(sizes.timeparse_passes)
    report.section("6. Time parsing (in process; ms per phrase)", table(
        ["parser", "phrases", "median", "worst phrase", "first call"],
        [["`parse_when` (ours, en, DST-safe)", r["phrases"], f(r["ours_median_ms"], 3),
          f"{r['ours_worst'][1]:.2f} (`{r['ours_worst'][0]}`)", f(r["first_ms"]["ours"], 1)],
         ["raw `dateparser.parse`, default settings", r["phrases"], f(r["raw_median_ms"], 3),
          f"{r['raw_worst'][1]:.2f} (`{r['raw_worst'][0]}`)", f(r["first_ms"]["raw"], 1)]])
        + ["", f"Ratio ours ÷ raw: median {r['ratio_median']:.2f}, worst {r['ratio_worst']:.2f}, per phrase "
               f"{f(r['ratio_per_phrase'])}. The first call of each loads dateparser's data "
               "(raw first, so ours starts warm)."])
    report.target(6, "time parsing (no target): median / worst vs raw dateparser", "report",
                  f"{r['ours_median_ms']:.2f} / {r['ours_worst'][1]:.2f} ms vs {r['raw_median_ms']:.2f} / "
                  f"{r['raw_worst'][1]:.2f} ms", None)


# ---- 7: cold start ---------------------------------------------------------------------------------------
async def run_coldstart(work: Path, sizes: Sizes, report: Report) -> None:
    fakes = await proc.start_fakes(work)
    try:
        r = await coldstart.run(work, fakes.info["slack"], sizes.coldstart_reps, sizes.coldstart_idle,
                                extra=sizes is FULL, control=fakes.info["control"])
    finally:
        await fakes.stop()
    report.facts["coldstart"] = r
    report.section("7. Cold start (`steadybot serve` to /healthz 200, SQLite)", table(
        ["start", "bot", "floor (bare Bolt + botbuilder server)", "ratio", "idle RSS bot", "idle RSS floor"],
        [["first start (empty database: migrations run)", f(r["first_start_s"], 2, " s"), f(r["floor_s"], 2, " s"),
          f(r["ratio_first"]), "", ""],
         ["restart (database up to date)", f(r["restart_s"], 2, " s"), f(r["floor_s"], 2, " s"),
          f(r["ratio_restart"]), f(r["idle_rss_mb"], 0, " MB"), f(r["floor_rss_mb"], 0, " MB")],
         ["restart to the first acknowledged command (`/steadybot help`, sent at the first /healthz 200)",
          f(r["restart_ack_s"], 2, " s"), f(r["floor_ack_s"], 2, " s"),
          f(r["ratio_restart_ack"]), "", ""],
         ["restart without a bytecode cache (PYTHONDONTWRITEBYTECODE=1, one start)",
          f(r["no_bytecode_restart_s"], 2, " s"), f(r["no_bytecode_floor_s"], 2, " s"),
          f(r["no_bytecode_restart_s"] / r["no_bytecode_floor_s"]), "", ""]])
        + ["", f"Healthy → ack of that first command (what the first request pays after /healthz): bot "
               f"{f(r['restart_healthy_to_ack_ms'], 0, ' ms')}, floor {f(r['floor_healthy_to_ack_ms'], 0, ' ms')}; "
               f"healthy → its answer at Slack (in the ack or through response_url): bot "
               f"{f(r['restart_healthy_to_answer_ms'], 0, ' ms')}, floor "
               f"{f(r['floor_healthy_to_answer_ms'], 0, ' ms')}. Information, not a target. The idle RSS is read "
               "after that command.",
           "", "With a bytecode cache (as an installed package has) unless said otherwise; the first start of "
               "each server filled the cache untimed."])
    report.target(7, "cold start to healthy (restart / first start)", "< 2 s",
                  f"{f(r['restart_s'], 2, ' s')} / {f(r['first_start_s'], 2, ' s')}", r["restart_s"].median < 2.0)
    report.target(7, "restart to healthy vs the bare frameworks (same run)", "≤ 1.3×", f(r["ratio_restart"]),
                  r["ratio_restart"].median <= 1.3)
    report.target(7, "idle RSS", "< 150 MB", f(r["idle_rss_mb"], 0, " MB"), r["idle_rss_mb"].median < 150)


# ---- storage engine (evidence for a recommendation) -----------------------------------------------------
async def run_storage(work: Path, sizes: Sizes, report: Report, postgres: bool) -> None:
    rows = []
    lite = await storage_engine.run_sqlite(work, sizes.storage_n, sizes.storage_rounds)
    rows.append(["SQLite", "sync session in `asyncio.to_thread`", f(lite["ours_seq"], 0), f(lite["other_seq"], 0),
                 f(lite["ours_cpu"], 0), f(lite["other_cpu"], 0), f(lite["ratio_cpu"]), f(lite["ours_conc"], 0),
                 f(lite["other_conc"], 0)])
    if postgres:
        import uuid

        import asyncpg

        name = f"steadybot_bench_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(aggregate.PG_ADMIN, timeout=5)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            try:
                pg = await storage_engine.run_postgres(f"{aggregate.PG_ADMIN.rsplit('/', 1)[0]}/{name}",
                                                       sizes.storage_n, sizes.storage_rounds)
            finally:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        report.facts["storage_pg"] = pg
        rows.append(["PostgreSQL", "bare `AsyncSession` on a plain engine", f(pg["ours_seq"], 0), f(pg["other_seq"], 0),
                     f(pg["ours_cpu"], 0), f(pg["other_cpu"], 0), f(pg["ratio_cpu"]), f(pg["ours_conc"], 0),
                     f(pg["other_conc"], 0)])
    report.facts["storage_sqlite"] = lite
    report.section("Storage: one short write transaction (µs; evidence for the recommendations)", table(
        ["database", "alternative", "wall, ours", "wall, alternative", "CPU, ours", "CPU, alternative",
         "CPU ratio", "200 at once, ours (per tx)", "200 at once, alternative"], rows))
    dedupe = [[label, "the same key through `Database.session()`", f(d["ours_seq"], 0), f(d["other_seq"], 0),
               f(d["ours_cpu"], 0), f(d["other_cpu"], 0), f(d["ratio_cpu"]), f(d["ours_conc"], 0), f(d["other_conc"], 0)]
              for label, d in (("SQLite", lite["dedupe"]), ("PostgreSQL", pg["dedupe"] if postgres else None)) if d]
    report.section("Storage: the de-duplication key on the driver (µs; `Database.driver`, docs/benchmarks.md#driver-path)",
                   table(["database", "alternative", "wall, driver", "wall, session", "CPU, driver", "CPU, session",
                          "CPU ratio", "200 at once, driver (per key)", "200 at once, session"], dedupe))
    reads = [[label, "the same read through `Database.session()`", f(d["ours_seq"], 0), f(d["other_seq"], 0),
              f(d["ours_cpu"], 0), f(d["other_cpu"], 0), f(d["ratio_cpu"]), f(d["ours_conc"], 0), f(d["other_conc"], 0)]
             for label, d in (("SQLite", lite["read"]), ("PostgreSQL", pg["read"] if postgres else None)) if d]
    report.section("Storage: a one-statement read outside a transaction (µs; `Database.read`, "
                   "docs/benchmarks.md#read-sessions)",
                   table(["database", "alternative", "wall, read", "wall, session", "CPU, read", "CPU, session",
                          "CPU ratio", "200 at once, read (per read)", "200 at once, session"], reads))


# ---- what to change next, with this run's numbers ---------------------------------------------------------
def notes(report: Report) -> list[str]:
    """Recommendations for code outside this work (reliability and storage files), quoting the run."""
    facts = report.facts
    out: list[str] = [
        "**Already changed with these measurements:** Slack requests reach the shared pipeline through a Bolt "
        "global middleware and listeners that only acknowledge, run inline (`process_before_response=True`, "
        "so Bolt does not poll for the ack every 10 ms, which the floor pays); their work runs after the ack in "
        "the shared lane of 8 (`bot/inbound.py`), and answers through a response_url use the shared HTTP "
        "session (`bot/slack/replier.py`); "
        "msrest's retry list is built from a frozenset "
        "(`bot/teams/msrest_speedup.py`, ~10 ms of CPU per Teams activity); Teams skips re-reading a known 1:1 "
        "line; `/agenda` finds its meeting in one transaction; a pulse DM reads round, invitation and "
        "preferences in one; Slack Block Kit rendering is memoised for repeated replies; channel members are "
        "looked up by 32 workers instead of one task per member (peak RSS); the Bolt app is named (no "
        "`inspect.stack()` at start, ~0.15 s); Slack event listeners are registered first, so a channel "
        "message's ack runs no command, button or form matchers (dispatch 82 → 60 µs, the bare app 64 µs); "
        "`steadybot serve` freezes what start-up loaded out of the garbage collector's way (`gc.freeze()`: a "
        "full collection walked ~145 000 objects in ~65 ms and stalled every ack in flight — the p99 outliers "
        "at 100 at once); sealed pulse rounds keep their totals (`pulse_round_totals`), so results over any "
        "history read one row per round."]
    lite = facts.get("storage_sqlite")
    if lite:
        out.append(
            f"**`storage/db.py`, SQLite sessions.** One short transaction through `Database.session()` costs "
            f"{f(lite['ours_cpu'], 0)} µs of CPU against {f(lite['other_cpu'], 0)} µs for a synchronous "
            f"SQLAlchemy session run in `asyncio.to_thread` ({f(lite['ratio_cpu'])}×). aiosqlite runs every call "
            "in its thread; `storage/sqlite_driver.py` keeps that to two hand-offs per short transaction "
            "(statement with its BEGIN IMMEDIATE, COMMIT; no rollback when nothing is open), where SQLAlchemy's "
            "adapter took six, and the outbox's group commit flushes in one. SQLite uses one pooled "
            "connection (no busy-handler sleeps between the bot's own connections). What is left against the "
            "synchronous session is SQLAlchemy's async layer (greenlet switches) and the hand-offs themselves; "
            "a synchronous variant of every repository would be the next step. Read-only repository methods "
            "still take the write lock (`BEGIN IMMEDIATE`).")
    pg = facts.get("storage_pg")
    if pg:
        out.append(
            f"**`storage/db.py`, PostgreSQL.** One short transaction costs {f(pg['ours_cpu'], 0)} µs of CPU "
            f"against {f(pg['other_cpu'], 0)} µs for a bare `AsyncSession` on a plain engine "
            f"({f(pg['ratio_cpu'])}×): the connection slots, the connect timeout and the breaker. The pool "
            "no longer pre-pings every checkout (three round trips: BEGIN, an empty statement, ROLLBACK); a "
            "pooled connection is pinged only after sitting idle or while a failure is recent.")
    free, floor = facts.get("fanout_free"), facts.get("fanout_floor")
    if free and floor:
        out.append(
            f"**Outbox throughput (target 3).** The bot sent {f(free.get('send_rate'), 0)} DMs/s against a floor "
            f"of {f(floor['send_rate'], 0)} DMs/s for the same HTTP client, first DM "
            f"{f(free.get('first_dm_after_s'), 1)} s after the command. Done with these measurements (from 29 "
            "DMs/s): members from `users.list` pages stored with one executemany "
            "(`IdentityRepo.remember_many`); inserts as cached executemany (`storage/bulk.py`); a batch preparer "
            "for pulse DMs (one transaction per claimed batch); the group commit finds owned rows with one "
            "SELECT (none on SQLite: optimistic, redone carefully only if a lease was lost) and updates them "
            "with one executemany per column set (on PostgreSQL: one autocommitted UPDATE … FROM unnest(…) "
            "RETURNING id on a connection kept while updates keep coming); claims return Core rows; the "
            "questionnaire and its Block Kit are built once per round; batches of 500 with 64 sends at once "
            "(32 on PostgreSQL); PostgreSQL plans the batch preparer's IN lists for their own parameters (its "
            "generic plan from the sixth batch on scanned every invitation, 100–180 ms a batch); a send gives "
            "its place back before its sent mark waits for the group commit; a drain claims and prepares the "
            "next full batch while the current one's last rows are out. The floor runs in its own process at "
            "the bot's CPU priority. What is left (py-spy of the bot's main thread, docs/benchmarks.md"
            "#pulse-fan-out-target-3): the Slack calls themselves (slack_sdk and aiohttp, the same code as the "
            "floor's) about two thirds of the busy time, the two durable state changes (in flight, sent — the "
            "price of never doubling a DM after a crash) 11–14 %, the batch preparer and the claim ~6 %; on a "
            "quiet machine the bot is CPU-bound at about twice the floor's CPU per DM.")
    teams = facts.get("teams_rows")
    if teams:
        worst = max(teams, key=lambda r: r["ratio_p99"].median)
        out.append(
            f"**Teams turn (target 2).** Done: `TeamsAdapter.handle` (`bot/teams/adapter.py`) validates and "
            "authenticates an activity, answers 201 at once and runs the turn in a background task through a "
            "lane of 8 (invokes and `expectReplies`, whose body is the answer, stay synchronous); replies go "
            "through the connector as before, and a graceful stop waits for the turns in flight. The measured "
            f"request is now the ack alone (worst p99 ratio {f(worst['ratio_p99'])}, {worst['scenario']} at "
            f"{worst['concurrency']}), while the floor still does its whole turn; section 2b shows what the "
            "person waits for, the time to the reply at the connector, against the floor's. botbuilder's "
            "credentials, connector and user token clients are kept per process (`bot/teams/clients.py`), not "
            "built for every activity (docs/benchmarks.md, \"Teams clients\").")
    cold = facts.get("coldstart")
    if cold:
        out.append(
            f"**Cold start (target 7).** Restart {f(cold['restart_s'], 2, ' s')} against a floor of "
            f"{f(cold['floor_s'], 2, ' s')} for the same frameworks ({f(cold['ratio_restart'])}×). Alembic is "
            "not imported when the database is at every head, nor SQLAlchemy: the start's checks and /healthz use "
            "the driver itself (`storage/startcheck.py`, `storage/rawdb.py`), and the engine, every repository "
            "and the models they map are built by the first request, the outbox's first tick or a scrape "
            "(`storage/handle.py`, `storage/store.py`) — the row \"restart to the first acknowledged command\" "
            "shows what the first person pays for that. The rest is what the bot imports beyond the floor "
            "(`python -X importtime`): the platform code and the core types. Also imported on first use instead "
            "of at start: the features' handlers (the registry names them, handlers/core/lazy.py), icalendar and "
            "recurring-ical-events, holidays, jinja2 and pygal (the report page), the scope "
            "detector, prometheus_client, Slack's installations (OAuth only); APScheduler is replaced by one asyncio task per periodic job (`bot/scheduler.py`); no "
            "garbage collection while `serve` starts; PostgreSQL's dialect is not imported on SQLite "
            "(`storage/upsert.py`). tests/core/test_cold_start_imports.py keeps the lazy ones lazy. A first "
            "start also creates the schema.")
    results = facts.get("results") or {}
    pg_results = results.get("postgres") or {}
    if "all_rounds_ms" in pg_results:
        out.append(
            f"**Results over the whole history (target 4).** Done: `PulseRepo.seal` writes a sealed round's 25 "
            "level counts to `pulse_round_totals` in the sealing transaction (one INSERT … SELECT … GROUP BY; "
            "revision `0110_pulse_totals` backfills older rounds), and `recent_stats` reads sealed rounds from "
            f"it: all {results.get('rounds', 0):,} rounds take {f(pg_results['all_rounds_ms'])} ms on "
            f"PostgreSQL against {f(pg_results['from_answers_ms'], 0)} ms from the answers themselves, the 12 "
            f"newest {f(pg_results['recent_ms'])} ms. Most of what is left for all rounds is loading 1 000 round "
            "rows as ORM objects; Core rows would roughly halve it if a longer trend is ever shown.")
    return out


# ---- driver ----------------------------------------------------------------------------------------------
async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test (CI), about a minute")
    parser.add_argument("--only", default="", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "RESULTS.md")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL figures")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases)")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    sizes = QUICK if args.quick else FULL
    report = Report("quick" if args.quick else "full")
    work = Path(tempfile.mkdtemp(prefix="steadybot-bench-"))
    started = time.perf_counter()
    postgres = not args.no_postgres
    runners: dict[str, Callable[[], Awaitable[None]]] = {
        "ack-slack": lambda: run_ack("slack", work, sizes, report),
        "ack-teams": lambda: run_ack("teams", work, sizes, report),
        "fanout": lambda: run_fanout(work, sizes, report, postgres),
        "results": lambda: run_results(work, sizes, report, postgres),
        "detector": lambda: run_detector(sizes, report),
        "timeparse": lambda: run_timeparse(sizes, report),
        "coldstart": lambda: run_coldstart(work, sizes, report),
        "storage": lambda: run_storage(work, sizes, report, postgres),
        "backlog": lambda: run_backlog(work, sizes, report, postgres),
        "schedules": lambda: run_schedules(work, sizes, report, postgres),
        "retention": lambda: run_retention(work, sizes, report, postgres),
    }
    try:
        for name in SECTIONS:
            if name not in only:
                continue
            log(f"{name} …")
            t0 = time.perf_counter()
            try:
                await runners[name]()
            except Exception as exc:  # noqa: BLE001 - reported, the other sections still run
                traceback.print_exc()
                report.errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:500]}")
            log(f"{name} done in {time.perf_counter() - t0:.0f} s")
            report.write(args.out, time.perf_counter() - started)
    finally:
        report.notes = notes(report)
        report.write(args.out, time.perf_counter() - started)
        if args.keep:
            log(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    log(f"wrote {args.out} in {(time.perf_counter() - started) / 60:.1f} min")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
