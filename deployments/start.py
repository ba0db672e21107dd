"""Single machine, one command: create the work pool, register the deployments, run a worker.

prefect server start                     # in one terminal (or as a service)
PREFECT_API_URL=http://127.0.0.1:4200/api python -m rollcall.deployments.start
"""

from __future__ import annotations

import os
import sys

from prefect import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectAlreadyExists

from rollcall.deployments.deploy import POOL, deploy_all


def ensure_pool(name: str = POOL) -> None:
    """A ``process`` work pool: flow runs execute as subprocesses of the worker."""
    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))
        except ObjectAlreadyExists:
            pass


def main() -> None:
    ensure_pool()
    for name, deployment_id in deploy_all().items():
        print(f"deployed {name} ({deployment_id})", flush=True)
    os.execvp(sys.executable, [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL])


if __name__ == "__main__":
    main()
