"""The whole study loop in headless Chromium against the real server and a real worker: a learner signs up
(following the mailed link), uploads a real PDF, waits for its notes, takes a quiz, asks the chat, uploads a
recording, listens to the notes and logs out. On every page: no console error, no serious or critical
accessibility issue (axe-core, served from its Python package), screenshots at desktop and phone width."""

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.documents import CORPUS
from tests.integration.conftest import ROOT, celery_worker, child_env
from tests.services import stop_worker

pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "var" / "screenshots" / "learner"
PASSWORD = "a-long-study-passphrase-42"
DESKTOP, PHONE = (1280, 1000), (390, 844)


def _axe_source() -> str:
    axe = pytest.importorskip("axe_selenium_python")
    return (Path(axe.__file__).parent / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture
def loop_env(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> dict[str, str]:
    """One setting for the web process (started by live_platform) and the worker: local files in the shared
    DATA_DIR, the in-process event transport, Celery on a Redis database of its own."""
    import redis

    overrides = {
        "EVENTBUS_TRANSPORT": "inprocess",
        "CELERY_BROKER_URL": redis_url.rsplit("/", 1)[0] + "/9",
        "SPEECH_WHISPER_THREADS": "2",
    }
    for name, value in overrides.items():
        monkeypatch.setenv(name, value)
    for name in ("S3_BUCKET", "S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    redis.Redis.from_url(overrides["CELERY_BROKER_URL"]).flushdb()
    return overrides


@pytest.fixture
def worker(loop_env: dict[str, str], platform_data_dir: Path, tmp_path: Path) -> Iterator[Path]:
    """A real Celery worker on both queues; its output (where the console e-mail backend writes) is the log."""
    log = tmp_path / "worker.log"
    env = {**child_env(), "DATA_DIR": str(platform_data_dir), "LOG_LEVEL": "WARNING"}
    with log.open("wb") as sink:
        proc = celery_worker(env, queues="celery,speech", output=sink)
        try:
            yield log
        finally:
            stop_worker(proc)


class Learner:
    """The browser, with the checks every page gets."""

    def __init__(self, browser: Any, base: str) -> None:
        self.browser, self.base = browser, base
        self.axe = _axe_source()
        self.console_errors: list[str] = []
        self.accessibility: dict[str, list[str]] = {}

    def open(self, path: str) -> None:
        self.browser.get(self.base + path)

    def find(self, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.browser.find_element(By.CSS_SELECTOR, selector)

    def wait_for(self, selector: str, timeout: float = 60.0) -> Any:
        """Waits for an element; pages with work in progress reload themselves when it is done."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            return WebDriverWait(self.browser, timeout, poll_frequency=0.5).until(
                ec.presence_of_element_located((By.CSS_SELECTOR, selector))
            )
        except TimeoutException:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.browser.save_screenshot(str(SCREENSHOTS / "timed-out.png"))
            text = self.find("main").text
            raise AssertionError(f"{selector} did not appear on {self.browser.current_url}:\n{text}") from None

    def submit(self, selector: str) -> None:
        self.find(selector).click()

    def wait_for_text(self, text: str, selector: str = "main", timeout: float = 60.0) -> None:
        """Waits until ``text`` is shown in ``selector``: a click that submits a form returns before the next
        page has loaded, so the page read at once may still be the one the form was on."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            WebDriverWait(self.browser, timeout, poll_frequency=0.2).until(
                ec.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text)
            )
        except TimeoutException:
            shown = self.find(selector).text
            raise AssertionError(f"{text!r} did not appear on {self.browser.current_url}:\n{shown}") from None

    def check(self, name: str) -> None:
        """Console, accessibility and screenshots of the page shown now."""
        for entry in self.browser.get_log("browser"):
            if entry["level"] == "SEVERE":
                self.console_errors.append(f"{name}: {entry['message']}")
        self.browser.execute_script(self.axe)
        result = self.browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)))"
            ".catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e)}])));"
        )
        bad = [f"{v['id']}: {v['help']}" for v in json.loads(result) if v.get("impact") in ("serious", "critical")]
        if bad:
            self.accessibility[name] = bad
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
            self.browser.set_window_size(width, height)
            self.browser.save_screenshot(str(SCREENSHOTS / f"{name}-{label}.png"))
        self.browser.set_window_size(*DESKTOP)


def _mailed_link(log: Path, path: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(rf"https?://[^/\s]+({path}\?uid=[^\s&]+&token=[^\s]+)", log.read_text(errors="replace"))
        if match:
            return match.group(1)
        time.sleep(0.5)
    raise TimeoutError(f"no mail with {path} in the worker's output")


@pytest.mark.django_db(transaction=True)
def test_a_learner_studies_a_document_from_sign_up_to_log_out(loop_env, worker, live_platform, browser):
    me = Learner(browser, live_platform)
    browser.set_window_size(*DESKTOP)

    me.open("/")
    assert "Sign up" in browser.page_source
    me.check("landing")

    # Sign up, follow the mailed link, log in.
    me.open("/signup/")
    me.find("#id_email").send_keys("ada@example.com")
    me.find("#id_display_name").send_keys("Ada")
    me.find("#id_password").send_keys(PASSWORD)
    me.check("signup")
    me.submit("main form button[type=submit]")
    me.wait_for_text("Check your e-mail")
    me.open(_mailed_link(worker, "/verify-email"))
    me.check("verify-email")
    me.submit("main form button[type=submit]")
    me.wait_for_text("Your address is confirmed")
    me.open("/login/")
    me.find("#id_email").send_keys("ada@example.com")
    me.find("#id_password").send_keys(PASSWORD)
    me.check("login")
    me.submit("main form button[type=submit]")
    me.wait_for("nav a[href='/documents/']")
    me.check("home")

    # Upload a real PDF (XHR with a progress bar), then wait for its notes.
    me.open("/documents/")
    me.find("#upload-file").send_keys(str(CORPUS / "issue-598-example.pdf"))
    me.find("#upload-title").send_keys("Earth science")
    me.check("documents")
    me.submit("form[data-upload] button[type=submit]")
    me.wait_for("#notes-heading")
    document_path = browser.current_url.removeprefix(live_platform)
    me.wait_for("a.cite", timeout=240)
    assert "What is Earth Science?" in browser.page_source
    cite = me.find("a.cite")
    target = cite.get_attribute("href").split("#")[1]
    cite.click()
    assert browser.current_url.endswith(f"#{target}")
    me.check("document")

    # A quiz: make it, wait for it, take it, see the feedback with its passage.
    me.find("#id_question_count").clear()
    me.find("#id_question_count").send_keys("3")
    me.submit("form[action$='/quizzes/new/'] button[type=submit]")
    me.wait_for("form[action$='/take/'] button", timeout=240)
    me.check("quiz")
    me.submit("form[action$='/take/'] button")
    me.wait_for("form.quiz")
    me.check("quiz-attempt")
    from selenium.webdriver.common.by import By

    for fieldset in browser.find_elements(By.CSS_SELECTOR, "fieldset.question"):
        choices = fieldset.find_elements(By.CSS_SELECTOR, "input[type=radio]")
        if choices:
            choices[0].click()
        else:
            fieldset.find_element(By.CSS_SELECTOR, "input[type=text]").send_keys("earth")
    me.submit("form.quiz button[type=submit]")
    me.wait_for("p.score")
    assert browser.page_source.count("<blockquote>") == 3
    me.check("quiz-result")

    # The chat: a session about the document, a streamed answer with citations.
    me.open("/chat/")
    me.check("chat-start")
    me.find("#chat-title").send_keys("Revision")
    me.submit("form[action='/chat/new/'] button[type=submit]")
    me.wait_for("#question")
    me.find("#question").send_keys("What is Earth science?")
    me.submit("#ask button[type=submit]")
    answer = me.wait_for(".bubble.assistant", timeout=120)
    me.wait_for(".bubble.assistant .citations a", timeout=120)
    assert answer.text
    me.check("chat")

    # A lecture: upload a recording, wait for the transcript, play from a segment.
    me.open("/lectures/")
    me.find("#lecture-file").send_keys(str(CORPUS / "jfk.flac"))
    me.check("lectures")
    me.submit("form[data-upload] button[type=submit]")
    me.wait_for("button.time", timeout=300)
    assert "ask not what your country" in browser.page_source.lower()
    me.find("button.time").click()
    me.check("lecture")

    # Listen to the notes.
    me.open(document_path)
    me.submit("form[action$='/notes/listen/'] button")
    player = me.wait_for("#narration-player", timeout=240)
    assert player.get_attribute("src").endswith("/audio/")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", player)
    me.check("document-listen")

    me.open("/progress/")
    me.wait_for("svg.chart circle")
    me.check("progress")

    me.submit("form.signout button")
    me.wait_for("a[href='/signup/']")
    me.open("/documents/")
    assert "/login/" in browser.current_url
    me.check("logged-out")

    assert me.console_errors == []
    assert me.accessibility == {}
