"""The locks install what pyproject.toml pins, every line with its hashes (README, "Dependencies")."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        match = PIN.match(requirement)
        assert match, f"pyproject.toml pins every direct dependency with ==: {requirement!r}"
        pins[_name(match.group(1))] = match.group(2)
    return pins


def _locked(path: Path) -> dict[str, str]:
    """Each package line of a lock with its version; every one must carry at least one hash."""
    text = path.read_text()
    locked = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = PIN.match(block)
        if not match:
            continue
        assert "--hash=sha256:" in block, f"{path.name}: {match.group(1)} has no hash"
        locked[_name(match.group(1))] = match.group(2)
    return locked


def test_every_pinned_dependency_is_locked_at_its_pin() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pins(project["dependencies"])
    dev = _pins(project["optional-dependencies"]["dev"])
    production_lock = _locked(ROOT / "requirements.lock")
    dev_lock = _locked(ROOT / "requirements-dev.lock")

    assert {name: production_lock.get(name) for name in runtime} == runtime, "run `make lock`"
    assert {name: dev_lock.get(name) for name in {**runtime, **dev}} == {**runtime, **dev}, "run `make lock`"
    # The production image installs nothing the tests did not run with.
    assert {name: dev_lock.get(name) for name in production_lock} == production_lock
    assert not set(dev) & set(production_lock) - set(runtime), "test tools stay out of the production lock"
    assert len(production_lock) > len(runtime), "the lock holds transitive dependencies too"
