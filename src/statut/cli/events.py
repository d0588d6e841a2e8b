"""``statut events``: run the relay, ingest feeds, dead letters and redelivery, replay, subscriptions.

Thin: each command parses its options and calls statut.services.events / statut.services.feeds.
"""

from __future__ import annotations

import signal
import threading
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from statut.cli.common import DatabaseOption, run_or_exit
from statut.services import UnitOfWork, feeds, open_engine
from statut.services import events as service
from statut.services.decisions import announce_pension_ages, letters_awaiting_print, mark_letters_printed
from statut.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Domain events: relay, feeds, dead letters, replay.")


@app.command("relay")
def relay(
    database: DatabaseOption = None,
    nats: Annotated[
        bool, typer.Option("--nats/--no-nats", help="Also publish to NATS JetStream (STATUT_NATS_URL).")
    ] = False,
    once: Annotated[bool, typer.Option("--once", help="Deliver what is deliverable now, then exit.")] = False,
    backoff: Annotated[float, typer.Option("--backoff", help="Base of the exponential backoff, seconds.")] = 1.0,
) -> None:
    """Run the relay: outbox -> handlers, webhooks (and NATS), at least once, until SIGTERM/SIGINT."""
    nats_url = Settings().nats_url if nats else None
    with open_engine(database) as engine:
        if once:
            stats = run_or_exit(lambda: service.drain(engine, nats_url=nats_url, backoff_base=backoff))
        else:
            stop = threading.Event()
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
            typer.echo("relay running; Ctrl-C to stop", err=True)
            stats = run_or_exit(lambda: service.run_relay(engine, stop, nats_url=nats_url, backoff_base=backoff))
    typer.echo(
        f"fanned out {stats.fanned_out}, delivered {stats.delivered}, "
        f"failed attempts {stats.failed}, dead letters {stats.dead}"
    )


@app.command("feed")
def feed(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV feed file.")],
    kind: Annotated[str, typer.Option("--kind", help="national_register, tax_authority or enterprise_register.")],
    database: DatabaseOption = None,
) -> None:
    """Ingest a feed file: each new fact becomes a change of the register (and so an event)."""
    with open_engine(database) as engine, UnitOfWork(engine) as uow:
        result = run_or_exit(lambda: feeds.ingest_file(uow, kind, path))
        uow.commit()
    typer.echo(f"{kind}: {result.recorded} recorded, {result.skipped} skipped (unknown person or already known)")


@app.command("synthetic-feed")
def synthetic_feed(
    kind: Annotated[str, typer.Option("--kind")],
    out: Annotated[Path, typer.Argument(help="CSV file to write.")],
    database: DatabaseOption = None,
    count: Annotated[int, typer.Option("--count")] = 100,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Write a synthetic feed file for the people of the register."""
    with open_engine(database) as engine, UnitOfWork(engine, read_only=True) as uow:
        rows = run_or_exit(lambda: feeds.write_synthetic_feed(uow, kind, out, count=count, seed=seed))
    typer.echo(f"{rows} rows written to {out}")


@app.command("pension-scan")
def pension_scan(
    database: DatabaseOption = None,
    today: Annotated[str | None, typer.Option("--today", help="YYYY-MM-DD (default: today).")] = None,
) -> None:
    """Announce the people reaching the legal pension age within six months (a daily job)."""
    day = date.fromisoformat(today) if today else date.today()
    with open_engine(database) as engine, UnitOfWork(engine) as uow:
        announced = run_or_exit(lambda: announce_pension_ages(uow, day))
        uow.commit()
    typer.echo(f"{len(announced)} people announced")


@app.command("deadletters")
def deadletters(database: DatabaseOption = None) -> None:
    """List the dead letters: deliveries that failed every attempt."""
    with open_engine(database) as engine, UnitOfWork(engine, read_only=True) as uow:
        letters = run_or_exit(lambda: service.dead_letters(uow))
    for letter in letters:
        d = letter.delivery
        typer.echo(
            f"{d.delivery_id}\t{letter.subscription}\t{letter.event_type}\t{letter.event_id}\t{d.attempts}\t{d.last_error}"
        )
    typer.echo(f"{len(letters)} dead letter(s)", err=True)


@app.command("redeliver")
def redeliver(
    database: DatabaseOption = None,
    delivery: Annotated[
        list[int] | None, typer.Option("--delivery", help="Delivery id (repeatable); default all.")
    ] = None,
    subscription: Annotated[str | None, typer.Option("--subscription")] = None,
    since_position: Annotated[
        int | None, typer.Option("--since-position", help="Replay a subscriber from an outbox position.")
    ] = None,
) -> None:
    """Put dead letters back in the queue (or replay a subscriber from a position)."""
    with open_engine(database) as engine, UnitOfWork(engine) as uow:
        count = run_or_exit(
            lambda: service.redeliver(
                uow, delivery_ids=delivery or (), subscription=subscription, since_position=since_position
            )
        )
        uow.commit()
    typer.echo(f"{count} deliveries queued again")


@app.command("replay")
def replay(
    since: Annotated[str, typer.Option("--since", help="YYYY-MM-DD: rebuild the projections from this date.")],
    database: DatabaseOption = None,
) -> None:
    """Rebuild the decision projection from the outbox (the ledger's events) since a date."""
    with open_engine(database) as engine, UnitOfWork(engine) as uow:
        result = run_or_exit(lambda: service.replay(uow, date.fromisoformat(since)))
        uow.commit()
    typer.echo(f"replayed {result.events} decision events since {since}: {result.decisions} decisions")


@app.command("subscribe")
def subscribe(
    name: Annotated[str, typer.Argument()],
    url: Annotated[str, typer.Argument()],
    *,
    database: DatabaseOption = None,
    secret: Annotated[str | None, typer.Option("--secret")] = None,
    fund: Annotated[str | None, typer.Option("--fund")] = None,
    types: Annotated[list[str] | None, typer.Option("--type", help="Event type prefix (repeatable).")] = None,
) -> None:
    """Subscribe a fund system by webhook; prints the signing secret once."""
    with open_engine(database) as engine, UnitOfWork(engine) as uow:
        created = run_or_exit(
            lambda: service.subscribe_webhook(uow, name, url, secret=secret, fund_code=fund, type_prefixes=types or ())
        )
        uow.commit()
    typer.echo(f"subscription {created.subscription_id} {created.name}; secret: {created.secret}")


@app.command("feed-drop")
def feed_drop(
    directory: Annotated[Path, typer.Argument(file_okay=False, help="Drop directory: one sub-directory per feed.")],
    database: DatabaseOption = None,
) -> None:
    """Ingest the files dropped in DIRECTORY/<feed>/*.csv; each moves to done/ or rejected/."""
    with open_engine(database) as engine:
        handled = run_or_exit(lambda: feeds.ingest_dropped(engine, directory))
    for item in handled:
        if item.result is not None:
            typer.echo(f"{item.kind}/{item.name}: {item.result.recorded} recorded, {item.result.skipped} skipped")
        else:
            typer.echo(f"{item.kind}/{item.name}: rejected ({item.error}) -> {item.moved_to}", err=True)
    typer.echo(f"{len(handled)} file(s)")


@app.command("demo-birth")
def demo_birth(
    database: DatabaseOption = None,
    drop_dir: Annotated[
        Path | None, typer.Option("--drop-dir", help="Feed drop directory (default: a temporary one).")
    ] = None,
    birth_date: Annotated[str | None, typer.Option("--birth-date", help="YYYY-MM-DD (default: today).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the fund's webhook.")] = 30.0,
) -> None:
    """A birth in the National Register feed -> maternity-aid proposal in the mother's portal -> a
    signed webhook to her fund, shown step by step."""
    born = date.fromisoformat(birth_date) if birth_date else None
    with open_engine(database) as engine:
        demo = run_or_exit(
            lambda: service.demonstrate_birth(engine, drop_dir=drop_dir, birth_date=born, timeout=timeout)
        )
    print_birth_demo(demo, Console())


def print_birth_demo(demo: service.BirthDemo, console: Console) -> None:
    """The demo's steps as a table (``statut demo`` can print it the same way)."""
    mother, decision, hook = demo.mother, demo.decision, demo.webhook
    table = Table(title="A birth in the National Register, step by step", show_lines=True)
    table.add_column("step", style="bold")
    table.add_column("what happened")
    table.add_row(
        "1. mother",
        f"{mother.name}, person {mother.person_id} (national number {mother.national_number}), "
        f"self-employed, fund {mother.fund_code}",
    )
    table.add_row(
        "2. feed",
        f"National Register file {demo.feed_file.name}: birth on {demo.feed_record['event_date']}, "
        f"child {demo.feed_record['child_national_number']}; {demo.feed_recorded} fact recorded",
    )
    table.add_row("3. events", " -> ".join(demo.events[:4]))
    explanation = "\n".join(decision.explanation.get("en", ()))
    table.add_row(
        "4. decision",
        f"#{decision.decision_id} {decision.kind}: {decision.status} ({decision.outcome}) through fund "
        f"{decision.fund_code}\n{explanation}",
    )
    if hook is not None:
        table.add_row(
            "5. webhook",
            f"{hook.event_type} to {hook.url}: HTTP {hook.answered}, signature "
            f"{'verified' if hook.signature_valid else 'INVALID'}, {hook.latency_ms:.0f} ms after the decision, "
            f"{hook.attempts} attempt(s)",
        )
    else:
        table.add_row("5. webhook", "[red]not received in time[/red]")
    table.add_row("6. notices", ", ".join(f"{n.channel}: {n.status}" for n in demo.notices))
    table.add_row("7. portal", demo.portal_how)
    console.print(table)
    console.print(f"From the file drop to the fund's receipt: {demo.seconds:.2f} s")


@app.command("letters")
def letters(
    database: DatabaseOption = None,
    fund: Annotated[str | None, typer.Option("--fund", help="Only this fund's letters.")] = None,
    printed: Annotated[
        list[int] | None, typer.Option("--printed", help="Mark this letter (notification id) printed; repeatable.")
    ] = None,
    actor: Annotated[str, typer.Option("--actor", help="Who printed them.")] = "cli",
) -> None:
    """Decision letters waiting to be printed (or mark some printed)."""
    with open_engine(database) as engine, UnitOfWork(engine) as uow:
        if printed:
            done = run_or_exit(lambda: mark_letters_printed(uow, printed, actor=actor, fund_code=fund))
            uow.commit()
            typer.echo(f"{len(done)} letter(s) marked printed")
            return
        jobs = run_or_exit(lambda: letters_awaiting_print(uow, fund_code=fund))
    for job in jobs:
        d = job.decision
        typer.echo(f"{job.notification_id}\t{job.fund_code}\t{d.kind}\t{job.decision_status}\t{job.language}")
    typer.echo(f"{len(jobs)} letter(s) to print", err=True)


if __name__ == "__main__":  # `python -m statut.cli.events` (tests run the relay as a subprocess)
    app()
