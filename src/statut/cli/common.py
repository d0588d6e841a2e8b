"""What every command shares: one clear line and a non-zero exit for a user's error, rich progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from statut.domain.errors import StatutError

T = TypeVar("T")

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="SQLAlchemy URL (default: STATUT_DATABASE_URL, else sqlite:///var/statut.db)."),
]


def run_or_exit(action: Callable[[], T]) -> T:
    """Run a service call; a StatutError becomes one line on stderr and exit status 1."""
    try:
        return action()
    except StatutError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(code=1) from None


class RichSteps:
    """Adapts rich progress bars to both progress protocols used by services.

    ``start(description, total)`` / ``advance(units)`` (the synthetic generator) and
    ``(step, done, total)`` calls (the register loader).
    """

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None
        self._tasks: dict[str, TaskID] = {}

    def start(self, description: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[self._task].total)
        self._task = self._progress.add_task(description, total=max(total, 1))

    def advance(self, units: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, units)

    def __call__(self, step: str, done: int, total: int) -> None:
        task = self._tasks.get(step)
        if task is None:
            task = self._tasks[step] = self._progress.add_task(step, total=max(total, 1))
        self._progress.update(task, completed=done, total=max(total, 1))


@contextmanager
def progress_bars(console: Console | None = None) -> Iterator[RichSteps]:
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        transient=False,
    ) as progress:
        yield RichSteps(progress)
