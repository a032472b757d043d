"""One request end to end (bench/trace.py, quoted in docs/architecture.md): a Slack slash command has its
signature checked once and is acknowledged once, and both platforms' requests cross the shared pipeline."""

from __future__ import annotations

from bench.trace import run


async def test_one_signature_check_one_ack_one_pipeline() -> None:
    results = await run()
    slack = results["slack /timebox 25m"]
    teams = results["teams @steadybot timebox 25m"]
    assert slack["signature_checks"] == 1  # ours, before the body is parsed; Bolt's own check is off
    assert slack["acks"] == 1  # the listener's; Bolt returns it without polling
    for trace in (slack, teams):
        assert "bot/inbound.py" in trace["list"]  # dedupe, remember, seal, core, reply: written once
        assert "handlers/timebox/commands.py" in trace["list"]
    assert not any(path.startswith("bot/teams/") for path in slack["list"])
    assert not any(path.startswith("bot/slack/") for path in teams["list"])
