"""End to end in headless Chromium: prompt → song → play → regenerate a line → page and song.json change.

Needs Debian's `chromium` and `chromium-driver` and the `selenium` package (in the `test` extra); skipped
cleanly without them. Run it alone with:

    .venv/bin/python -m pytest -q tests/studio/test_browser.py

It saves screenshots to $MUSEGEN_SCREENSHOTS (default /tmp/studio/).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
selenium = pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="no chromium + chromedriver "
                                "(apt-get install chromium chromium-driver)")


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers online
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--disable-extensions", "--disable-sync", "--disable-default-apps",
                "--disable-component-update", "--no-first-run", "--mute-audio",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1280,1100"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield driver
    driver.quit()


@pytest.fixture
def server(tmp_path, tiny_models):
    from musegen.studio import make_server

    srv = make_server(tmp_path / "songs", port=0, models=tiny_models, vocals=False)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()
    srv.studio.worker.stop()


def test_write_play_and_rewrite_a_line_in_the_browser(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    shots = Path(os.environ.get("MUSEGEN_SCREENSHOTS", "/tmp/studio"))
    shots.mkdir(parents=True, exist_ok=True)
    wait = WebDriverWait(browser, 300)
    browser.get(f"http://127.0.0.1:{server.server_address[1]}/")
    browser.find_element(By.ID, "prompt").send_keys("rainy night in the city, missing you")
    Select(browser.find_element(By.ID, "form")).select_by_value("intro,verse,chorus,outro")
    browser.find_element(By.ID, "bars").send_keys("2,4,4,2")
    browser.find_element(By.ID, "seed").send_keys("3")
    browser.find_element(By.ID, "generate").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "generate: done"))
    lines = browser.find_elements(By.CSS_SELECTOR, "#lyrics .line")
    assert lines and all(x.text for x in lines)
    name = browser.find_element(By.ID, "songs").get_attribute("value")
    folder = server.studio.folder / name
    player = browser.find_element(By.ID, "player")
    assert f"/api/songs/{name}/files/song.wav?v=" in player.get_attribute("src")
    assert (folder / "song.wav").is_file()
    # play from the first sung line: the page highlights it while the audio clock runs
    first = lines[0]
    start = float(first.get_attribute("data-start"))
    play = "arguments[0].currentTime = arguments[1]; arguments[0].play()"
    browser.execute_script(play, player, start + 0.05)
    wait.until(lambda d: d.execute_script("return arguments[0].currentTime", player) > start + 0.3)
    wait.until(lambda d: "sung" in first.get_attribute("class"))
    browser.save_screenshot(str(shots / "studio-playing.png"))
    browser.execute_script("arguments[0].pause()", player)
    # regenerate that line's words
    old, target = first.text, first.get_attribute("data-target")
    first.click()
    wait.until(EC.visibility_of_element_located((By.ID, "editor")))
    browser.find_element(By.ID, "regen-words").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "edit: done"))
    new = browser.find_elements(By.CSS_SELECTOR, "#lyrics .line")[0].text
    assert new != old
    song = json.loads((folder / "song.json").read_text())
    sung = [x for s in song["sections"] for x in s["lines"]]
    assert sung[0]["text"] == new and song["history"][0]["what"] == "words"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#versions li")) == 2
    changed = browser.find_elements(By.CSS_SELECTOR, "#lyrics .line.changed")
    assert [x.get_attribute("data-target") for x in changed] == [target]  # marked for the eye
    browser.save_screenshot(str(shots / "studio-edited.png"))
    # type your own words for it (as many syllables as the line has: sung on its own notes), Enter sings
    count = sum(len(x["syllables"]) for x in sung[:1])
    own = " ".join(["la"] * count)
    line = browser.find_elements(By.CSS_SELECTOR, "#lyrics .line")[0]
    line.click()
    box = browser.find_element(By.ID, "own-text")
    said = browser.find_element(By.ID, "status").text
    box.send_keys(own + "\n")
    wait.until(lambda d: d.find_element(By.ID, "status").text != said and
               "edit: done" in d.find_element(By.ID, "status").text)
    assert browser.find_elements(By.CSS_SELECTOR, "#lyrics .line")[0].text == own
    song = json.loads((folder / "song.json").read_text())
    sung = [x for s in song["sections"] for x in s["lines"]]
    assert sung[0]["text"] == own and song["history"][-1]["what"] == "text"
    # go back one version: the regenerated words are back, byte for byte
    before = (folder / "versions" / "0002.json").read_bytes()
    browser.find_element(By.ID, "undo").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "undo: done"))
    assert browser.find_elements(By.CSS_SELECTOR, "#lyrics .line")[0].text == new
    assert (folder / "song.json").read_bytes() == before
    # every download link answers with its file
    links = browser.find_elements(By.CSS_SELECTOR, "#downloads a")
    names = [a.text for a in links]
    assert {"song.mid", "song.musicxml", "song.wav", "song.lrc", "song.json"} <= set(names)
    sizes = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Promise.all([...document.querySelectorAll('#downloads a')].map("
        "  (a) => fetch(a.href).then((r) => r.ok ? r.blob().then((b) => b.size) : -r.status))).then(done);")
    assert all(n > 0 for n in sizes), dict(zip(names, sizes, strict=True))
    browser.save_screenshot(str(shots / "studio-undone.png"))
