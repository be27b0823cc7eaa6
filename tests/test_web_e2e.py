"""End to end in headless Chromium: search, filter by speaker, open a hit in its transcript."""

import csv
import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from indexer.building.build import index_corpus
from searcher.app.web import create_app
from tests.conftest import CORPUS, SEED_NAME

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name in (SEED_NAME, "topics.toml", "speakers.toml"):
        shutil.copy(CORPUS / name, corpus)
    index_corpus(corpus, folder / "index")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(folder / "index"), host="127.0.0.1", port=port, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def needs_chromium() -> None:
    if not CHROMIUM.exists():
        reason = "Debian's chromium is not installed (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def test_search_filter_open_hit(server, tmp_path):
    needs_chromium()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(server + "/")
        page.fill("input[name=q]", "chessboxing")
        page.press("input[name=q]", "Enter")
        expect(page.locator("#total")).to_have_text("4 turns match · page 1")
        expect(page.locator("mark").first).to_have_text(re.compile("^chessboxing$", re.I))
        assert "q=chessboxing" in page.url

        page.click("ul[data-facet=speaker] a:has-text('Amina Akhmadulina')")
        expect(page.locator("#total")).to_have_text("2 turns match · page 1")
        speakers = page.locator("article.hit h2 a.open").all_inner_texts()
        assert speakers == ["Amina Akhmadulina", "Amina Akhmadulina"]
        assert "speaker=%22Amina+Akhmadulina%22" in page.url  # exact: the count's turns

        page.locator("article.hit a.open").first.click()
        focus = page.locator(".turn.focus")
        expect(focus).to_have_count(1)
        expect(focus.locator(".who")).to_have_text("Amina Akhmadulina")
        assert page.url.endswith(f"#{focus.get_attribute('id')}")
        expect(page.locator(".turn.in-exchange").first).to_be_visible()

        page.goto(server + "/?q=chessboxing")
        shot = tmp_path / "search-page.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        if os.environ.get("REMARKS_SCREENSHOT"):
            shutil.copy(shot, os.environ["REMARKS_SCREENSHOT"])
        browser.close()


def test_pager_keeps_parameters_and_chips_remove_filters(server):
    needs_chromium()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(server + "/?q=thank&limit=5")
        total = page.locator("#total").inner_text()
        matches = int(total.split(" ")[0].replace(",", ""))
        assert matches > 10
        expect(page.locator("article.hit")).to_have_count(5)

        page.click("nav.pages a:text-is('2')")
        expect(page.locator("#total")).to_have_text(total.replace("page 1", "page 2"))
        expect(page.locator("article.hit")).to_have_count(5)  # the page size was kept
        assert "limit=5" in page.url and "page=2" in page.url

        # A facet adds a filter, shown as a chip; the chip takes it away again.
        page.click("ul[data-facet=speaker] a:has-text('Vladimir Putin')")
        chip = page.locator("a.chip[data-filter=speaker]")
        expect(chip).to_have_text('speaker: "Vladimir Putin" ×')
        filtered = page.locator("#total").inner_text()
        assert int(filtered.split(" ")[0].replace(",", "")) < matches
        assert "limit=5" in page.url and "page=" not in page.url  # a new filter: page 1
        chip.click()
        expect(page.locator("a.chip")).to_have_count(0)
        expect(page.locator("#total")).to_have_text(total)

        # "Search this transcript" is a filter too: visible, and removable.
        page.locator("article.hit a.open").first.click()
        page.click("text=Search this transcript")
        expect(page.locator("a.chip[data-filter=transcript]")).to_have_count(1)
        page.fill("input[name=q]", "people")
        page.press("input[name=q]", "Enter")
        expect(page.locator("a.chip[data-filter=transcript]")).to_have_count(1)
        inside = page.locator("#total").inner_text()
        page.locator("a.chip[data-filter=transcript]").click()
        expect(page.locator("a.chip")).to_have_count(0)
        assert page.locator("#total").inner_text() == inside  # one transcript in this corpus
        browser.close()


@pytest.fixture(scope="module")
def bundled_server(bundled_index):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(bundled_index), host="127.0.0.1", port=port, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20  # a liveness bound, not a speed target
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def test_the_trend_chart_filters_by_year_and_the_csv_link_downloads_every_hit(bundled_server):
    needs_chromium()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900}, accept_downloads=True)
        page.goto(bundled_server + "/?q=inflation")
        chart = page.locator("svg#trend")
        expect(chart).to_be_visible()
        bars = chart.locator("a.bar")
        assert bars.count() >= 5
        year = bars.nth(4).get_attribute("data-year")
        turns = int(bars.nth(4).get_attribute("data-turns"))
        assert turns > 0
        bars.nth(4).click()
        expect(page.locator("#total")).to_contain_text(f"{turns} turn")
        assert f"since={year}" in page.url and f"until={year}" in page.url
        page.goto(bundled_server + "/?q=inflation")
        total = int(page.locator("#total").inner_text().split(" ")[0].replace(",", ""))
        with page.expect_download() as waiting:
            page.click("a#csv")
        download = waiting.value
        with open(download.path(), encoding="utf-8", newline="") as rows:
            found = list(csv.DictReader(rows))
        assert len(found) == total and found[0]["rank"] == "1"
        assert download.suggested_filename == "remarks-inflation.csv"
        browser.close()


def test_check_a_quote_then_open_the_speaker_and_a_concordance(server):
    """Headless Chromium: the quote form, the diff, the speaker page from a hit, a distinctive
    term's concordance, and the transcript page marking the query and linking back."""
    needs_chromium()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(server + "/")
        page.click("header a:has-text('Check a quote')")
        page.fill(
            "input[name=text]", "a sport in which opponents compete in rounds of boxing and chess"
        )
        page.press("input[name=text]", "Enter")
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", "close")
        first = page.locator("article.quote-match").first
        expect(first.locator("h2 a.open")).to_have_text("Amina Akhmadulina")
        expect(first.locator("ins").first).to_have_text("alternating")
        expect(first.locator(".cite")).to_contain_text("turn 000_af3ddc70366262e7:29")
        page.goto(server + "/?q=chessboxing")
        putin = page.locator("article.hit:has(h2 a.open:has-text('Vladimir Putin'))")
        putin.locator("a.profile").first.click()
        expect(page.locator("h1")).to_have_text("Vladimir Putin")
        expect(page.locator("table.roles")).to_contain_text("President of Russia")
        term = page.locator("table.terms a").first
        word = term.inner_text()
        term.click()
        page.wait_for_load_state()  # the click commits the navigation; the page may still load
        assert "/kwic?" in page.url
        marks = page.locator("table.kwic td.match mark")
        expect(marks.first).to_be_visible()
        assert marks.count() > 0
        assert all(word.lower()[:4] in m.lower() for m in marks.all_inner_texts())
        page.locator("table.kwic td a").first.click()
        expect(page.locator(".turn.focus mark").first).to_be_visible()
        expect(page.locator("#back")).to_have_attribute("href", f"/?q={word}")
        browser.close()
