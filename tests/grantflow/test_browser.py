"""An officer decides in the Prefect UI of `grantflow serve`, in a real browser (headless Chromium driven by Selenium).

The screenshots the test takes are its output for people: it prints their folder, under the test's tmp_path,
and copies them to test-output/screenshots/ at the repository's root.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain import repository as repo
from domain.model import DecisionLine, Stage
from flows.runtime import HOME_KEY
from grantflow.mailsink import free_port
from tests.helpers import eventually, prefect_api, start_serve

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only, pytest.mark.prefect]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
REPO_OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
# The slowest step on a busy 2-core machine is the UI's first render of a run page: well under this.
WAIT = 120
# Seen: two 503s in a row from Prefect's SQLite server in the first minute of serve, while its scheduler fills in the runs to come.
ATTEMPTS = 5
FORM = {"decided_by": "Ylitarkastaja Virtanen", "granted": "2680000", "lines": ["580000", "950000", "1150000"],
        "justification": "Tavoitteet ja toimenpiteet on kuvattu hyvin.", "period": ("2020-07-01", "2022-12-31")}


class Screenshots:
    """Screenshots kept under the test's folder and copied to test-output/screenshots/."""

    def __init__(self, driver: WebDriver, folder: Path) -> None:
        self.driver, self.folder, self.count = driver, folder, 0
        folder.mkdir(parents=True)
        shutil.rmtree(REPO_OUTPUT, ignore_errors=True)
        REPO_OUTPUT.mkdir(parents=True)

    @contextmanager
    def on_failure(self) -> Iterator[None]:
        """A screenshot of the page where a step failed, beside the others."""
        try:
            yield
        except BaseException:
            shot = self.take("failed-here")
            shot.with_suffix(".html").write_text(self.driver.page_source)
            raise

    def take(self, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        shutil.copy(path, REPO_OUTPUT / path.name)
        return path


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("no chromium and chromedriver on PATH (Debian: apt-get install chromium chromium-driver; .ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # A tall window: a page (the runs, the filled form) fits in one screenshot.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1600,1800", "--lang=en-US"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def served_ui(tmp_path: Path, system_clock_under_review: Engine) -> Iterator[tuple[str, str]]:
    """`grantflow serve` on the test's database, its notices going to a closed port: (UI address, auth string)."""
    port = free_port()
    serve, _ = start_serve(tmp_path, port, GRANTFLOW_HOME=str(tmp_path / "home"), GRANTFLOW_DELIVERY_MAX_ATTEMPTS="1",
                           GRANTFLOW_EMAIL_URL=f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    printed = _drained(serve)
    try:
        yield f"http://127.0.0.1:{port}", (tmp_path / "server" / "api-auth").read_text().strip()
    finally:
        serve.send_signal(signal.SIGINT)
        try:
            serve.wait(timeout=60)
        finally:
            if serve.poll() is None:
                serve.kill()
    assert serve.returncode == 0, "".join(printed)


def _drained(process: subprocess.Popen[str]) -> list[str]:
    """What the process prints from now on, read as it comes so that a full pipe never stops it."""
    lines: list[str] = []
    assert process.stdout is not None
    threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True).start()
    return lines


def field(scope: WebElement | WebDriver, label: str, index: int = 0) -> WebElement:
    """The form field labelled `label` (Prefect's schema form adds ` (Optional)`): its label, description and inputs."""
    xpath = f".//label[normalize-space()='{label}' or normalize-space()='{label} (Optional)']/ancestor::div[fieldset][1]"
    # The form renders once the deployment's or the run's schema has loaded.
    blocks: list[WebElement] = WebDriverWait(scope, WAIT).until(lambda _: scope.find_elements(By.XPATH, xpath)[index:])
    return blocks[0]


def first_choice(block: WebElement) -> None:
    """A field that is one of several types shows a tab per type: take the first, the value's (not `none`)."""
    tabs = block.find_elements(By.XPATH, "./fieldset/div/div[@role='tablist']/button[@role='tab']")
    if tabs and tabs[0].get_attribute("aria-selected") != "true":
        tabs[0].click()


def type_into(block: WebElement, text: str) -> None:
    first_choice(block)
    box = block.find_element(By.XPATH, "./fieldset//*[self::input or self::textarea]")
    box.clear()
    box.send_keys(text)


def pick_date(driver: WebDriver, block: WebElement, day: str) -> None:
    """Type the day into the date picker's own box, as a person would rather than paging back through the months."""
    first_choice(block)
    block.find_element(By.XPATH, "./fieldset//button[@data-slot='popover-trigger']").click()
    wait = WebDriverWait(driver, WAIT)
    # The calendar takes the focus once it opens; keys typed before then would be lost to it.
    wait.until(lambda _: driver.execute_script("return !!document.activeElement.closest(\"[data-slot='calendar']\")"))
    box = driver.find_element(By.XPATH, "//*[@data-slot='popover-content']//input[@aria-label='Date (yyyy-MM-dd)']")
    box.click()
    box.send_keys(day)
    wait.until(lambda _: box.get_attribute("value") == day)
    box.send_keys(Keys.ESCAPE)
    wait.until(EC.invisibility_of_element_located((By.XPATH, "//*[@data-slot='popover-content']")))


def click(driver: WebDriver, xpath: str) -> None:
    """Click the element once it can be clicked; found again if the UI re-rendered it in between."""
    def clicked(_: WebDriver) -> bool:
        element = driver.find_element(By.XPATH, xpath)
        if not (element.is_displayed() and element.is_enabled()):
            return False
        element.click()
        return True

    WebDriverWait(driver, WAIT, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException, ElementClickInterceptedException,
                                                   ElementNotInteractableException)).until(clicked)


def press(driver: WebDriver, xpath: str, done: str) -> None:
    """Click until `done` shows, as a person clicks again when the UI says the server failed.

    Prefect's server on SQLite answers a write now and then with 503 ("database is locked", for the client to retry):
    its own client retries, its UI shows the error in a toast and leaves the form as it was.
    """
    failed = "//li[@data-sonner-toast][@data-type='error']"
    for _ in range(ATTEMPTS):
        click(driver, xpath)
        outcome = WebDriverWait(driver, WAIT).until(
            lambda _: "done" if driver.find_elements(By.XPATH, done) else [toast.text for toast in driver.find_elements(By.XPATH, failed)])
        if outcome == "done":
            return
        print(f"the UI reported {outcome}; trying again")
        WebDriverWait(driver, WAIT).until(EC.invisibility_of_element_located((By.XPATH, failed)))
    raise AssertionError(f"{xpath}: the UI reported a failure {ATTEMPTS} times")


def shown(driver: WebDriver, xpath: str) -> WebElement:
    element: WebElement = WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located((By.XPATH, xpath)))
    return element


def text(words: str) -> str:
    return f"//*[normalize-space()='{words}']"


def link(words: str) -> str:
    return f"//a[normalize-space()='{words}']"


def button(words: str) -> str:
    return f"//button[normalize-space()='{words}']"


def stage(engine: Engine, application_id: str) -> Stage:
    with Session(engine) as session:
        return repo.application(session, application_id).stage


def test_an_officer_decides_in_the_browser_and_the_operator_sees_the_decision_and_its_failed_delivery(
    tmp_path: Path, browser: WebDriver, served_ui: tuple[str, str], system_clock_under_review: Engine
) -> None:
    ui, auth_string = served_ui
    shots = Screenshots(browser, tmp_path / "screenshots")
    print(f"\nscreenshots: {shots.folder} (copied to {REPO_OUTPUT})")
    with shots.on_failure():
        # The UI loads without the auth string and asks for it.
        browser.get(ui)
        shown(browser, "//input[@type='password']").send_keys(auth_string)
        click(browser, button("Login"))
        shown(browser, link("Dashboard"))

        # A run of the decision-form deployment for soite-ru-2020, started from its page.
        click(browser, link("Deployments"))
        click(browser, link("decision-form"))
        click(browser, button("Run"))
        click(browser, "//*[@role='menuitem'][normalize-space()='Custom run']")
        type_into(field(browser, "application_id"), "soite-ru-2020")
        press(browser, button("Submit"), done=button("View run"))
        click(browser, button("View run"))
        shown(browser, text("decision-form/soite-ru-2020"))
        shown(browser, text("Suspended"))
        shots.take("decision-form-run-suspended")

        # The form, under Resume.
        click(browser, button("Open menu"))
        click(browser, "//*[@role='menuitem'][normalize-space()='Resume']")
        form = shown(browser, "//*[@role='dialog'][.//*[normalize-space()='Resume Flow Run']]")
        type_into(field(form, "Decided By"), FORM["decided_by"])
        type_into(field(form, "Granted"), FORM["granted"])
        lines = field(form, "Lines")
        for number, granted in enumerate(FORM["lines"], 1):
            lines.find_element(By.XPATH, "." + button("Add item")).click()
            type_into(field(lines, "Sub Area", number - 1), str(number))
            type_into(field(lines, "Granted", number - 1), granted)
        type_into(field(form, "Justification"), FORM["justification"])
        for label, day in zip(("Period Start", "Period End"), FORM["period"], strict=True):
            pick_date(browser, field(form, label), day)
        shots.take("resume-form-filled")
        press(browser, "//*[@role='dialog']" + button("Resume"), done=text("Flow run resumed"))
        WebDriverWait(browser, WAIT).until(EC.invisibility_of_element_located((By.XPATH, "//*[@role='dialog']")))
        shown(browser, text("Completed"))
        shots.take("decision-form-run-completed")

        # Recorded by the form, applied by the decision flow that its relayed event triggered.
        eventually(lambda: stage(system_clock_under_review, "soite-ru-2020") == Stage.PARTIALLY_GRANTED, "the decision is applied", timeout=WAIT)
        with Session(system_clock_under_review) as session:
            decision = repo.decision_of(session, "soite-ru-2020")
            assert decision is not None
            granted_lines = session.exec(select(DecisionLine.granted_cents).where(DecisionLine.decision_id == decision.id)
                                 .order_by(col(DecisionLine.sub_area_id))).all()
        assert decision.applied_at is not None
        assert (decision.decided_by, decision.granted_cents, granted_lines) == (FORM["decided_by"], 268_000_000, [58_000_000, 95_000_000, 115_000_000])
        assert (decision.period_start, decision.period_end) == (date(2020, 7, 1), date(2022, 12, 31))

        # Its notices go to a closed port once and no more: the decision run needs an operator.
        with prefect_api(f"{ui}/api", auth_string) as api:
            def decision_run_state() -> str | None:
                runs = api.post("/flow_runs/filter", json={"flow_runs": {"name": {"any_": ["decision/soite-ru-2020"]}}}).json()
                return next((run["state"]["name"] for run in runs if run["state"] and run["state"]["type"] in ("FAILED", "COMPLETED")), None)

            assert eventually(decision_run_state, "the decision run ends", timeout=WAIT) == "Needs an operator"

        click(browser, link("Runs"))
        shown(browser, link("decision/soite-ru-2020"))
        shown(browser, text("Needs an operator"))
        shots.take("runs")
        click(browser, link("decision/soite-ru-2020"))
        shown(browser, "//*[contains(normalize-space(), 'failed for good and need an operator')]")
        shots.take("decision-run-needs-an-operator")

        # The decision's artifact, from the run's Artifacts tab.
        click(browser, "//button[@role='tab'][normalize-space()='Artifacts']")
        click(browser, "//a[contains(@href, '/artifacts/artifact/')][.//*[normalize-space()='decision-soite-ru-2020']]")
        shown(browser, "//h1[normalize-space()='Decision: Soite 2.0 – Rakenneuudistus (soite-ru-2020)']")
        shown(browser, "//*[contains(normalize-space(), 'by Ylitarkastaja Virtanen')]")
        shots.take("decision-artifact")

        # The dashboard lists the failed runs by flow. Its "past day" ends at the start of the current minute, which leaves out
        # the runs of the last seconds: the range is the two hours around now instead, as the UI's range picker sets it.
        start, end = (f"{datetime.now(UTC) + timedelta(hours=hours):%Y-%m-%dT%H:%M:%SZ}" for hours in (-1, 1))
        browser.get(f"{ui}/v2/dashboard?rangeType=range&start={start}&end={end}")
        click(browser, "//button[@data-slot='accordion-trigger'][.//a[normalize-space()='decision']]")
        shown(browser, link("decision/soite-ru-2020"))
        shots.take("dashboard")

        # The operators' home page, refreshed after the decision run: its newest version, from the artifact's timeline.
        browser.get(f"{ui}/v2/artifacts/key/{HOME_KEY}")
        click(browser, "(//a[contains(@href, '/artifacts/artifact/')])[1]")
        shown(browser, "//table//tr[td[contains(., '(ru-2020)')]]/td[contains(., 'partially granted 1')]")
        shots.take("operator-home")
