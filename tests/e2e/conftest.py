"""Browser journeys: Playwright driving Debian's chromium against `live_server`.

Browser downloads are impossible here, so the chromium found on PATH is
launched by path (`scripts/hub.py test` installs it when missing). Every page
a journey visits goes through `check_page`: axe-core (vendored) must find no
serious or critical violation, and the browser console must show no error
(a Content-Security-Policy refusal is one).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
SCREENSHOTS = ROOT / "var" / "screenshots"
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = ("serious", "critical")


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError(
            "The browser tests need Debian's chromium on PATH: apt-get install -y chromium "
            "(make test installs it when it can). Skip them locally with PYTEST_ARGS='-m \"not e2e\"'."
        )
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path(),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "accept_downloads": True}


@pytest.fixture(scope="session", autouse=True)
def _django_beside_playwrights_event_loop():
    # Playwright's sync API keeps an event loop in this thread; the ORM calls of the test
    # database's set-up and of the journeys' own data are still plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def console_errors(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Console errors and uncaught exceptions of the page (CSP refusals show up here)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def check_page(page, console_errors: list[str], *, expect_status_errors: bool = False) -> None:  # type: ignore[no-untyped-def]
    """axe-core on the page as it is now: no serious or critical violation; no console error."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(f"{n['target']}: {n.get('failureSummary', '')[:300]}" for n in v["nodes"][:5])
        for v in blocking
    )
    assert not blocking, f"axe-core on {page.url}:\n{report}"
    errors = [e for e in console_errors if not (expect_status_errors and e.startswith("Failed to load resource"))]
    assert not errors, f"console errors on {page.url}: {errors}"
    console_errors.clear()


def no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px at {page.viewport_size['width']}px"


def screenshot(page, journey: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{journey}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_USED_CODES: set[tuple[str, str]] = set()


def current_totp(secret: str) -> str:
    """This period's code, never one already used: allauth refuses a code a second time within its
    period (and a code typed in the last second may arrive in the next period), so wait for a fresh one."""
    while True:
        remaining = 30 - time.time() % 30
        if remaining < 3:
            time.sleep(remaining + 0.1)
            continue
        counters = list(yield_hotp_counters_from_time())
        code = format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))  # the current period
        if (secret, code) in _USED_CODES:
            time.sleep(remaining + 0.1)
            continue
        _USED_CODES.add((secret, code))
        return code


def sign_in(
    page,
    base_url: str,
    email: str,
    password: str,
    *,
    totp_secret: str | None = None,  # type: ignore[no-untyped-def]
    console_errors: list[str] | None = None,
) -> None:
    """Email and password, then the authenticator code for hub roles; with `console_errors`,
    the sign-in pages are checked too."""
    page.goto(f"{base_url}/accounts/login/")
    if console_errors is not None:
        check_page(page, console_errors)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if totp_secret is not None:
        if console_errors is not None:
            check_page(page, console_errors)
        page.get_by_label("Code").fill(current_totp(totp_secret))
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
