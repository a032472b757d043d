"""The report page in a real headless Chromium (Debian's `chromium` driven by its `chromedriver` through
selenium; never a downloaded browser). The page is opened from the link the bot sent through the Slack wire:
every chart renders, the console stays clean, no request leaves the server, a screenshot is saved as a test
artifact, and expired or altered links show the 403 page.

`STEADYBOT_UPDATE_SCREENSHOT=1` also writes docs/report.png (the README's screenshot) from the demo's page."""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.harness import running
from tests.support.pulse_helpers import slack_team
from tests.support.reports_helpers import PEOPLE, seed_history
from tests.wire.test_reports_page import path_of, sent_link

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("STEADYBOT_TEST_ARTIFACTS", ROOT / "tests" / "artifacts"))
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"


def _browser() -> Any:
    if not (Path(CHROMEDRIVER).exists() and Path(CHROMIUM).exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them with apt-get)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:  # pragma: no cover - selenium is a dev dependency
        pytest.skip("selenium is not installed (pip install -e '.[dev]')")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1000,1200", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def inspect_page(url: str, screenshot: Path | None, dark: bool = False, max_height: int = 12000) -> dict[str, Any]:
    driver = _browser()
    try:
        if dark:
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                   {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        driver.get(url)
        facts = driver.execute_script("""
            const imgs = [...document.querySelectorAll('figure.chart img')];
            return {
              title: document.title,
              heading: document.querySelector('h1') && document.querySelector('h1').textContent,
              charts: imgs.length,
              rendered: imgs.filter(i => i.complete && i.naturalWidth > 0 && i.currentSrc.startsWith('data:image/svg+xml')).length,
              tables: document.querySelectorAll('figure.chart table').length,
              resources: performance.getEntriesByType('resource').map(e => e.name),
              navigation: performance.getEntriesByType('navigation').map(e => e.name),
              width: document.documentElement.scrollWidth,
              height: document.documentElement.scrollHeight,
              background: getComputedStyle(document.body).backgroundColor,
            };""")
        logs = driver.get_log("browser")
        if screenshot is not None:
            driver.set_window_size(1000, min(int(facts["height"]) + 40, max_height))
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(screenshot))
        facts["logs"] = logs
        return dict(facts)
    finally:
        driver.quit()


async def test_report_page_in_headless_chromium(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        await seed_history(bot)
        origin = str(bot.client.make_url("/")).rstrip("/")
        url = origin + path_of(await sent_link(bot))
        light = await asyncio.to_thread(inspect_page, url, ARTIFACTS / "report.png")
        assert light["heading"] == "Team health for #team"
        assert light["charts"] == 8 and light["rendered"] == 8 and light["tables"] == 8
        assert [entry for entry in light["logs"] if entry["level"] in ("SEVERE", "WARNING")] == []
        assert light["navigation"] == [url]
        outside = [r for r in light["resources"] if not r.startswith("data:") and urlsplit(r).netloc != urlsplit(url).netloc]
        assert outside == [] and [r for r in light["resources"] if not r.startswith("data:")] == []
        assert light["width"] <= 1000  # nothing wider than the window
        assert light["background"] == "rgb(255, 255, 255)"
        assert (ARTIFACTS / "report.png").stat().st_size > 10_000

        dark = await asyncio.to_thread(inspect_page, url, ARTIFACTS / "report-dark.png", True)
        assert dark["rendered"] == 8 and dark["logs"] == [] and dark["background"] == "rgb(17, 24, 39)"

        token = url.rsplit("/", 1)[1]
        altered = await asyncio.to_thread(inspect_page, f"{origin}/reports/{token[:-4]}AAAA",
                                          ARTIFACTS / "report-altered.png")
        assert altered["heading"] == "This link doesn’t open a report" and altered["charts"] == 0
        assert [e for e in altered["logs"] if "403" not in e["message"]] == []  # only the 403 status itself
        bot.clock.advance(timedelta(minutes=16))
        expired = await asyncio.to_thread(inspect_page, url, None)
        assert expired["heading"] == "This link doesn’t open a report" and expired["charts"] == 0


async def test_report_page_on_a_phone_screen(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        slack_team(bot, {u: "UTC" for u in PEOPLE})
        await seed_history(bot, weeks=4)
        url = str(bot.client.make_url("/")).rstrip("/") + path_of(await sent_link(bot))

        def phone() -> dict[str, Any]:
            driver = _browser()
            try:
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                       {"width": 375, "height": 800, "deviceScaleFactor": 2, "mobile": True})
                driver.get(url)
                return dict(driver.execute_script(
                    "return {width: document.documentElement.scrollWidth,"
                    " img: document.querySelector('figure.chart img').getBoundingClientRect().width};"))
            finally:
                driver.quit()

        facts = await asyncio.to_thread(phone)
        assert facts["width"] <= 375 and 300 <= facts["img"] <= 375


def test_the_demo_prints_a_link_to_its_own_report_page(tmp_path: Path) -> None:
    """`steadybot demo --history` serves its report on 127.0.0.1 and `:report` prints a link to it; the page
    opens in Chromium. This is the screenshot in README/docs (STEADYBOT_UPDATE_SCREENSHOT=1 refreshes it)."""
    import re
    import subprocess
    import sys

    env = {**os.environ, "STEADYBOT_TZ": "Europe/Berlin"}
    demo = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--history", "--db", str(tmp_path / "demo.db")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path, env=env)
    try:
        assert demo.stdin is not None and demo.stdout is not None
        demo.stdin.write(":report\n")
        demo.stdin.flush()
        link = None
        for _ in range(50):
            line = demo.stdout.readline()
            found = re.search(r"(http://127\.0\.0\.1:\d+/reports/\S+)", line)
            if found and ":report" not in line and "link works" in line:
                link = found.group(1)
                break
        assert link is not None, "the demo printed no report link"
        facts = inspect_page(link, ARTIFACTS / "demo-report.png", max_height=1900)
        assert facts["heading"] == "Team health for #team" and facts["rendered"] == facts["charts"] == 8
        assert [e for e in facts["logs"] if e["level"] in ("SEVERE", "WARNING")] == []
        if os.environ.get("STEADYBOT_UPDATE_SCREENSHOT") == "1":
            shutil.copyfile(ARTIFACTS / "demo-report.png", ROOT / "docs" / "report.png")
        demo.stdin.write(":quit\n")
        demo.stdin.close()
        assert demo.wait(timeout=60) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
