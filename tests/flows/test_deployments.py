"""prefect.yaml's deployments as the Prefect server shows them: each trigger an automation with its name and description."""

import asyncio
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.events.schemas.automations import Automation

from flows.deployments import PREFECT_YAML, read_deployments


def automations() -> list[Automation]:
    async def read() -> list[Automation]:
        async with get_client() as client:
            return await client.read_automations()

    return asyncio.run(read())


def test_every_trigger_is_an_automation_with_its_own_name_and_a_description(deployments: dict[UUID, Flow[..., Any]]) -> None:
    triggers = [trigger for spec in read_deployments() for trigger in spec.triggers]
    shown = {a.name: a.description for a in automations()}
    assert {t["name"] for t in triggers} <= set(shown)
    assert len({t["name"] for t in triggers}) == len(triggers)
    assert all(shown[t["name"]] and "__automation_" not in t["name"] for t in triggers)


def test_a_trigger_without_a_name_or_a_description_is_refused_naming_its_deployment(tmp_path: Path) -> None:
    text = PREFECT_YAML.read_text(encoding="utf-8").replace('name: "Granted: start up the project"', "enabled: true", 1)
    (tmp_path / "prefect.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"startup: triggers\[0\]: a trigger needs a name and a description"):
        read_deployments(tmp_path / "prefect.yaml")


def test_the_sweeps_now_offers_the_real_now_first_and_says_what_an_instant_is_for(deployments: dict[UUID, Flow[..., Any]]) -> None:
    async def read() -> dict[str, Any]:
        async with get_client() as client:
            return (await client.read_deployment_by_name("reminder-sweep/reminder-sweep")).parameter_openapi_schema or {}

    now = asyncio.run(read())["properties"]["now"]
    # The UI opens an anyOf on its first choice: the real now, not a date picker whose empty time is midnight.
    assert now["anyOf"][0] == {"type": "null", "title": "now"} and now["default"] is None
    assert [choice.get("format") for choice in now["anyOf"]] == [None, "date-time"]
    assert "replay database only" in now["description"]
