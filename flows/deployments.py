"""prefect.yaml read once: the same deployments, schedules and triggers for `prefect deploy` and `grantflow serve`."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from prefect import Flow
from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.events.schemas.deployment_triggers import DeploymentTriggerTypes
from prefect.exceptions import ObjectNotFound
from prefect.schedules import Cron
from pydantic import BaseModel, ConfigDict, TypeAdapter

# Packaged beside this module; the project's top-level prefect.yaml, which `prefect deploy` reads, links to it.
PREFECT_YAML = Path(__file__).with_name("prefect.yaml")
_TRIGGERS: TypeAdapter[list[DeploymentTriggerTypes]] = TypeAdapter(list[DeploymentTriggerTypes])


class ScheduleSpec(BaseModel):
    cron: str
    timezone: str


class WorkPoolSpec(BaseModel):
    name: str
    work_queue_name: str = "default"


class DeploymentSpec(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    entrypoint: str
    description: str = ""
    tags: list[str] = []
    work_pool: WorkPoolSpec
    schedules: list[ScheduleSpec] = []
    triggers: list[dict[str, Any]] = []

    def load_flow(self) -> Flow[..., Any]:
        """The flow behind the entrypoint, imported as a module (`flows/decision.py:decision` -> flows.decision)."""
        path, _, name = self.entrypoint.partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        return getattr(module, name)


def read_deployments(path: Path = PREFECT_YAML) -> list[DeploymentSpec]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = [DeploymentSpec.model_validate(entry) for entry in document["deployments"]]
    for spec in specs:
        for index, trigger in enumerate(_TRIGGERS.validate_python(spec.triggers)):  # a bad trigger fails here, not on the server
            # The UI lists each trigger as an automation: unnamed, it shows as `decision__automation_1`, "A custom trigger".
            if not trigger.name or not trigger.description:
                raise ValueError(f"{spec.name}: triggers[{index}]: a trigger needs a name and a description, which the UI shows for its automation")
    return specs


async def ensure_work_pool(client: PrefectClient, name: str) -> None:
    try:
        await client.read_work_pool(name)
    except ObjectNotFound:
        await client.create_work_pool(WorkPoolCreate(name=name, type="process"), overwrite=False)


async def apply_deployments(client: PrefectClient, specs: list[DeploymentSpec] | None = None) -> dict[UUID, Flow[..., Any]]:
    """Register every deployment with its schedules and triggers; returns each deployment's flow by id."""
    deployed: dict[UUID, Flow[..., Any]] = {}
    for spec in specs or read_deployments():
        await ensure_work_pool(client, spec.work_pool.name)
        flow = spec.load_flow()
        deployment = await flow.ato_deployment(
            name=spec.name,
            description=spec.description,
            tags=spec.tags,
            schedules=[Cron(s.cron, timezone=s.timezone) for s in spec.schedules],
            triggers=_TRIGGERS.validate_python(spec.triggers),
            work_pool_name=spec.work_pool.name,
            work_queue_name=spec.work_pool.work_queue_name,
        )
        deployed[await deployment.aapply(work_pool_name=spec.work_pool.name)] = flow
    return deployed
