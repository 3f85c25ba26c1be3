"""The real UI in a real browser: JupyterLab on loopback, driven by headless Chromium (Debian's
``chromium`` package through Playwright; no browser is downloaded). Notebook 00 is run from the
Run menu, then its quiz is answered by clicking, as a learner would.

The server runs under the offline socket guard, and the browser may only reach the server: the
test fails if either tries to reach anything else. Screenshots are saved to
``build/artifacts/`` (or ``$ACCELKIT_ARTIFACTS``): ``browser-quiz.png`` (the page after the three
answers) and ``browser-quiz-correct.png`` (the card answered correctly).

Skipped, with the reason, where chromium or playwright is missing; ``ACCELKIT_REQUIRE_BROWSER=1``
(set by ``.ci/run``) turns that skip into a failure, so CI cannot pass without running it.
"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from accelkit.learn.quiz import LETTERS, load_quiz

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "00-setup-and-hardware"
GUARD = Path(__file__).resolve().parent / "offline"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _need_browser():
    missing = []
    if CHROMIUM is None:
        missing.append("chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[test]')")
    if missing:
        why = "browser test needs " + " and ".join(missing)
        if os.environ.get("ACCELKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(why + "; ACCELKIT_REQUIRE_BROWSER=1 forbids skipping it")
        pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on loopback with a token, serving a copy of notebook 00."""
    _need_browser()
    tmp = tmp_path_factory.mktemp("lab")
    (tmp / "nb").mkdir()
    shutil.copy(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", tmp / "nb")
    token, port = secrets.token_hex(16), _free_port()
    env = {**os.environ, "ACCELKIT_QUICK": "1", "ACCELKIT_NO_BARS": "1",
           "ACCELKIT_PROGRESS": str(tmp / "progress.json"), "ACCELKIT_NETLOG": str(tmp / "net.log"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp / "config"),
           "PYTHONPATH": os.pathsep.join([str(GUARD), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp / 'nb'}",
           f"--LabApp.workspaces_dir={tmp / 'workspaces'}", f"--LabServerApp.user_settings_dir={tmp / 'settings'}",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    with open(tmp / "lab.log", "w") as log:
        server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                    break
                except OSError:
                    if server.poll() is not None:
                        pytest.fail(f"JupyterLab exited:\n{(tmp / 'lab.log').read_text()[-3000:]}")
                    time.sleep(0.3)
            else:
                pytest.fail(f"JupyterLab did not answer within 60 s:\n{(tmp / 'lab.log').read_text()[-3000:]}")
            yield {"base": base, "token": token, "tmp": tmp, "port": port}
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()


def _card(page, qid):
    """The innermost widget box holding question ``qid``'s prompt (its card)."""
    return page.locator(".widget-vbox").filter(has=page.get_by_text(f"[{qid}]", exact=False)).last


def _submit(card):
    card.get_by_role("button", name="Submit").click()


def test_quiz_in_jupyterlab(lab):
    from playwright.sync_api import expect, sync_playwright

    quiz = load_quiz(NOTEBOOK)
    single = [q for q in quiz.questions if q.type == "single"]
    right_q, wrong_q = single[0], single[-1]
    numeric = next(q for q in quiz.questions if q.type == "numeric")
    right = f"{right_q.correct_letters()[0]}) {right_q.options[LETTERS.index(right_q.correct_letters()[0])]['text']}"
    wrong_letter = next(L for L in LETTERS[:len(wrong_q.options)] if L not in wrong_q.correct_letters())
    wrong = f"{wrong_letter}) {wrong_q.options[LETTERS.index(wrong_letter)]['text']}"
    total = len(quiz.questions)
    artifacts = Path(os.environ.get("ACCELKIT_ARTIFACTS", ROOT / "build" / "artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    outside = []

    def only_the_server(route):
        url = route.request.url
        if url.startswith(f"http://127.0.0.1:{lab['port']}/") or url.startswith(f"ws://127.0.0.1:{lab['port']}/") \
                or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route("**/*", only_the_server)
        try:
            page.goto(f"{lab['base']}/lab/tree/{NOTEBOOK}.ipynb?token={lab['token']}")
            expect(page.get_by_text("| Idle")).to_be_visible(timeout=90_000)
            page.get_by_text("Run", exact=True).first.click()
            page.get_by_text("Run All Cells", exact=True).click()
            expect(page.get_by_text("Quiz · 00")).to_be_visible(timeout=400_000)
            score = page.get_by_text("correct", exact=False).filter(has_text=f"/{total} correct").last
            expect(score).to_have_text(f"0/{total} correct")

            card = _card(page, right_q.id)
            card.get_by_text(right, exact=True).click()
            _submit(card)
            expect(card).to_contain_text("✔ correct")
            expect(score).to_have_text(f"1/{total} correct")
            card.screenshot(path=str(artifacts / "browser-quiz-correct.png"))

            card = _card(page, wrong_q.id)
            card.get_by_text(wrong, exact=True).click()
            _submit(card)
            expect(card).to_contain_text("✘ not quite")
            expect(score).to_have_text(f"1/{total} correct")

            card = _card(page, numeric.id)          # learners type anything: a word where a number goes
            card.get_by_role("textbox").fill("about three")
            _submit(card)
            expect(card).to_contain_text("could not read the answer")
            expect(score).to_have_text(f"1/{total} correct")
            card.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / "browser-quiz.png"))
            shown = page.locator(".jp-Notebook").inner_text()
            news_asked = page.get_by_text("official Jupyter news").count()
        finally:
            browser.close()

    assert "Traceback" not in shown, "a traceback reached the learner in JupyterLab"
    saved = json.loads((lab["tmp"] / "progress.json").read_text())["quizzes"][NOTEBOOK]
    assert saved[right_q.id]["correct"] is True and saved[wrong_q.id]["correct"] is False
    assert news_asked == 0, "JupyterLab asked about news: the kit's settings overrides are not installed (make venv)"
    assert outside == [], f"the browser tried to reach beyond the local server: {outside}"
    net = lab["tmp"] / "net.log"
    assert not net.exists() or net.read_text() == "", f"the server or kernel tried to reach out:\n{net.read_text()}"
