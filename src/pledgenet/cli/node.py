"""``pledgenet node run``: one member's node as its own process; ``pledgenet cluster up/status/down``: a
local alliance of separate processes (etcd, orderers, a node per member) in one directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pledgenet.cli.app import app

node_app = typer.Typer(
    help="A member's node process (peer, block intake from etcd, API).", no_args_is_help=True
)
cluster_app = typer.Typer(
    help="A local alliance as separate processes, for trying things.", no_args_is_help=True
)
app.add_typer(node_app, name="node")
app.add_typer(cluster_app, name="cluster")

ClusterDir = Annotated[Path, typer.Argument(help="the local alliance's directory")]


@node_app.command("run")
def run(
    config: Annotated[Path | None, typer.Option("--config", help="the node's TOML settings")] = None,
    org: Annotated[str | None, typer.Option("--org", help="the member this node belongs to")] = None,
    alliance_dir: Annotated[Path | None, typer.Option("--alliance-dir", help="alliance.json + keys")] = None,
    store: Annotated[str | None, typer.Option(help="SQLite path or postgresql:// URL")] = None,
    etcd: Annotated[list[str] | None, typer.Option(help="etcd client URL (repeat)")] = None,
    catch_up: Annotated[list[str] | None, typer.Option(help="another member's block store (repeat)")] = None,
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
) -> None:
    """Run a member's node: settings from --config, then PLEDGENET_NODE_* variables, then these flags."""
    from pledgenet.node.run import run_node
    from pledgenet.node.settings import load_settings

    settings = load_settings(
        config, org=org, alliance_dir=alliance_dir, store=store, etcd=etcd or None,
        catch_up=catch_up or None, host=host, port=port,
    )  # fmt: skip
    raise typer.Exit(run_node(settings))


@cluster_app.command("up")
def up(
    directory: ClusterDir,
    members: Annotated[int, typer.Option(help="how many members (each gets its own node)")] = 3,
    store: Annotated[str, typer.Option(help="the peers' store: sqlite or postgresql")] = "sqlite",
) -> None:
    """Start etcd (3 members), the orderers and one node per member, wait until healthy, print the URLs."""
    from pledgenet.node.cluster import LocalAlliance

    local = LocalAlliance(directory, members=members, store=store)
    try:
        local.up()
    except BaseException:
        local.down()
        raise
    typer.echo(f"alliance {local.state['alliance']} up in {local.directory} ({store} stores)")
    typer.echo(f"etcd: {', '.join(local.state['etcd'])}")
    typer.echo(f"orderers: {', '.join(local.state['orderers'])}")
    for org in local.orgs:
        typer.echo(f"{org}: {local.url(org)}/api/v1   credential {local.credential(org)}")
    first = local.orgs[0]
    typer.echo(f"try: pledgenet blocks --node {local.url(first)} --credential {local.credential(first)}")


@cluster_app.command("status")
def status(
    directory: ClusterDir,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Heights, the orderer leader and each node's lag behind etcd's top."""
    from pledgenet.node.cluster import LocalAlliance

    report = LocalAlliance.attach(directory).status()
    if as_json:
        typer.echo(json.dumps(report, indent=2, sort_keys=True))
        return
    typer.echo(f"etcd top {report['etcd_top']}   leader {report['leader'] or '(none)'}")
    for row in report["nodes"]:
        state = "running" if row["running"] else "stopped"
        typer.echo(
            f"{row['org']:<12} {state:<8} height {row['height']!s:<8} lag {row['lag']!s:<6} {row['url']}"
        )
    for row in report["orderers"]:
        typer.echo(f"{row['name']:<20} {'running' if row['running'] else 'stopped'}")


@cluster_app.command("down")
def down(directory: ClusterDir) -> None:
    """Stop every process of the local alliance cleanly (nodes, orderers, etcd, PostgreSQL)."""
    from pledgenet.node.cluster import LocalAlliance

    LocalAlliance.attach(directory).down()
    typer.echo(f"local alliance in {directory} stopped")
