"""A small flow for the Prefect server burst test (tests/test_prefect_server.py): tasks,
logs and an artifact per run, the traffic a real run sends its server."""

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact


@task
def square(x: int) -> int:
    return x * x


@flow(name="burst")
def burst(i: int = 0) -> int:
    total = sum(square.map(range(5)).result())
    get_run_logger().info("run %s: %s", i, total)
    create_markdown_artifact(markdown=f"run {i}: {total}", key=f"burst-{i}")
    return total
