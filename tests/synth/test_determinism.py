"""The same seed gives byte-identical files, streamed or held in memory; another seed does not."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from statut.domain.errors import StatutError
from statut.synth import SynthOptions, generate, generate_to_directory, write


def digests(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def streamed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("streamed")
    generate_to_directory(SynthOptions(people=1_200, seed=7, chunk_people=500), out, ("csv", "jsonl"))
    return digests(out)


def test_same_seed_same_bytes(streamed: dict[str, str], tmp_path: Path) -> None:
    generate_to_directory(SynthOptions(people=1_200, seed=7, chunk_people=500), tmp_path, ("csv", "jsonl"))
    assert digests(tmp_path) == streamed
    assert any(name.endswith(".parquet") for name in streamed)
    assert any(name.endswith(".jsonl") for name in streamed)


def test_in_memory_population_writes_the_same_bytes(streamed: dict[str, str], tmp_path: Path) -> None:
    write(generate(1_200, 7, chunk_people=500), tmp_path, ("csv", "jsonl"))
    assert digests(tmp_path) == streamed


def test_another_seed_gives_other_files(streamed: dict[str, str], tmp_path: Path) -> None:
    generate_to_directory(SynthOptions(people=1_200, seed=8, chunk_people=500), tmp_path, ("csv", "jsonl"))
    other = digests(tmp_path)
    assert other.keys() == streamed.keys()
    fund_files = [name for name in streamed if name.startswith("funds/")]
    assert all(other[name] != streamed[name] for name in fund_files)


def test_rewriting_replaces_a_previous_population_but_refuses_other_directories(tmp_path: Path) -> None:
    generate_to_directory(SynthOptions(people=200, seed=1), tmp_path / "a", ("jsonl",))
    generate_to_directory(SynthOptions(people=200, seed=1), tmp_path / "a", ("csv",))
    assert not list((tmp_path / "a" / "funds").rglob("*.jsonl"))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "precious.txt").write_text("keep me")
    with pytest.raises(StatutError, match="not empty"):
        generate_to_directory(SynthOptions(people=200, seed=1), tmp_path / "b")
    assert (tmp_path / "b" / "precious.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"people": 0}, "people"),
        ({"seed": -1}, "seed"),
        ({"start_year": 2010}, "start_year"),
        ({"end_year": 2040}, "end_year"),
        ({"start_year": 2024, "end_year": 2020}, "start_year"),
        ({"defect_rate": 0.9}, "defect_rate"),
    ],
)
def test_invalid_options_are_refused_with_the_field_named(options: dict[str, int | float], field: str) -> None:
    with pytest.raises(StatutError, match=field):
        SynthOptions(**{"people": 10, "seed": 1, **options}).validate()  # type: ignore[arg-type]
