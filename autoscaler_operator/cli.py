"""``assessment-engine operator``: run the Kopf operator, run local mode, print the CRD."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

operator_app = typer.Typer(
    name="operator",
    help="The OverflowPolicy operator (Kopf), its local mode, and its CRD.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add this component's commands to the ``assessment-engine`` app."""
    app.add_typer(operator_app, name="operator")


@operator_app.command("crd")
def crd() -> None:
    """Print the OverflowPolicy CustomResourceDefinition (generated from the model)."""
    from autoscaler_operator.crd import render_crd

    typer.echo(render_crd(), nl=False)


@operator_app.command("run")
def run(
    namespace: Annotated[
        list[str] | None, typer.Option(help="Watch only these namespaces (default: all).")
    ] = None,
    liveness: Annotated[
        str, typer.Option(help="Liveness endpoint, e.g. http://0.0.0.0:8080/healthz.")
    ] = "http://0.0.0.0:8080/healthz",
    verbose: Annotated[
        bool, typer.Option(help="Log at DEBUG (Kopf's watch and patch lines).")
    ] = False,
) -> None:
    """Run the Kopf operator against the current cluster (in-cluster or kubeconfig).

    Logs JSON lines on stderr: settings at start-up, one line per evaluation, API errors.
    """
    import asyncio

    from autoscaler_operator.logs import configure_logging
    from autoscaler_operator.runner import run_operator

    configure_logging(verbose=verbose)

    asyncio.run(run_operator(namespaces=namespace or [], liveness_endpoint=liveness))


@operator_app.command("local")
def local(
    policy: Annotated[Path, typer.Option(help="OverflowPolicy YAML (CRD shape).", exists=True)],
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve operator_* metrics on this port.")
    ] = None,
    no_workers: Annotated[bool, typer.Option(help="Do not spawn local grader workers.")] = False,
) -> None:
    """Run the control loop without Kubernetes: local workers, same decision record."""
    import asyncio
    import logging
    import signal

    from prometheus_client import start_http_server

    from autoscaler_operator.errors import InvalidPolicyError
    from autoscaler_operator.local import load_policy_file, run_local
    from autoscaler_operator.metrics import OperatorMetrics
    from autoscaler_operator.settings import OperatorSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        key, spec = load_policy_file(policy)
    except InvalidPolicyError as exc:
        typer.echo(f"invalid policy {policy}: {exc}", err=True)
        raise typer.Exit(2) from exc
    settings = OperatorSettings()
    if no_workers:
        settings = settings.model_copy(update={"worker_command": []})
    metrics = OperatorMetrics()
    port = metrics_port if metrics_port is not None else settings.metrics_port
    if port is not None:
        start_http_server(port, addr="127.0.0.1", registry=metrics.registry)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_local(spec, key, settings, stop, metrics=metrics)

    asyncio.run(main())
