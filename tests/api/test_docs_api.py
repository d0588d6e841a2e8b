"""docs/api.md, "A fund's IT system, step by step", executed: the page cannot drift from the API.

Every shell line of the section's ``bash`` blocks is run in order, against the API world through
the test client: variable assignments, ``statut access clients --secret-of`` (through the CLI), the
heredoc that writes the batch file, and each ``curl`` (method, headers, basic auth, form fields,
multipart files, URL), with ``| jq -r PATH`` evaluated for assignments. Every request must succeed;
then what the page promises about the upload is checked (201 and its Location, 200 and "nothing
changed" when sent again, the quarantined income in the report).
"""

from __future__ import annotations

import base64
import re
import shlex
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from statut.cli import app as cli
from tests.api.conftest import World

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SECTION = "## A fund's IT system, step by step"
VARIABLE = re.compile(r"\$\{?([A-Z_]+)\}?")
ASSIGNMENT = re.compile(r"^([A-Z_]+)=(.*)$")
HEREDOC = re.compile(r"^cat > (\S+) <<'(\w+)'$")


def shell_lines() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    return [line for block in re.findall(r"```bash\n(.*?)```", section, re.S) for line in block.splitlines()]


def jq_path(document: Any, path: str) -> Any:
    """The value at a jq path of the simple kind the page uses (``.a.b``, ``.items[0].x``)."""
    value = document
    for key, index in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        value = value[key] if key else value[int(index)]
    return value


class Shell:
    def __init__(self, world: World, tmp: Path) -> None:
        self.world = world
        self.tmp = tmp
        self.env: dict[str, str] = {}
        self.files: dict[str, bytes] = {}
        self.responses: list[Any] = []

    def expand(self, text: str) -> str:
        return VARIABLE.sub(lambda m: self.env[m.group(1)], text)

    def value_of(self, expression: str) -> str:
        if expression.startswith("$(") and expression.endswith(")"):
            inner = expression[2:-1]
            command, _, jq = inner.partition(" | jq -r ")
            if "statut access clients" in command:
                args = shlex.split(self.expand(command))
                data_dir = str(self.world.client.app.state.settings.data_dir)  # type: ignore[attr-defined]
                result = CliRunner().invoke(cli, args[1:], env={"STATUT_DATA_DIR": data_dir})
                assert result.exit_code == 0, result.output
                return result.output.strip()
            response = self.curl(command)
            return str(jq_path(response.json(), shlex.split(jq)[0]))
        return self.expand(expression.strip('"'))

    def curl(self, command: str) -> Any:
        command = command.split(" | jq ", maxsplit=1)[0]
        args = [self.expand(arg) for arg in shlex.split(command)][1:]
        method, headers, form, files, url = "GET", {}, {}, {}, ""
        options = iter(args)
        for arg in options:
            if arg == "-X":
                method = next(options)
            elif arg == "-H":
                name, _, value = next(options).partition(": ")
                headers[name] = value
            elif arg == "-u":
                headers["Authorization"] = "Basic " + base64.b64encode(next(options).encode()).decode()
            elif arg == "-d":
                key, _, value = next(options).partition("=")
                form[key] = value
                method = "POST" if method == "GET" else method
            elif arg == "-F":
                key, _, value = next(options).partition("=")
                if value.startswith("@"):
                    files[key] = (value[1:], self.files[value[1:]], "text/csv")
                else:
                    form[key] = value
                method = "POST" if method == "GET" else method
            elif arg == "-o":
                next(options)
            elif arg.startswith("http"):
                url = arg
            else:
                assert arg in {"-s", "-i"}, f"docs/api.md uses a curl option this test does not know: {arg}"
        assert url.startswith("http://127.0.0.1:8000/"), url
        path = url.removeprefix("http://127.0.0.1:8000")
        response = self.world.client.request(method, path, headers=headers, data=form or None, files=files or None)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        self.responses.append(response)
        return response

    def run(self, lines: list[str]) -> None:
        heredoc: tuple[str, str, list[str]] | None = None
        for raw in lines:
            if heredoc is not None:
                name, end, body = heredoc
                if raw == end:
                    self.files[name] = ("\n".join(body) + "\n").encode("utf-8")
                    heredoc = None
                else:
                    body.append(raw)
                continue
            line = raw.split("  #")[0].strip()
            if not line:
                continue
            if match := HEREDOC.match(line):
                heredoc = (match.group(1), match.group(2), [])
            elif match := ASSIGNMENT.match(line):
                self.env[match.group(1)] = self.value_of(match.group(2))
            elif line.startswith("curl "):
                self.curl(line)
            else:
                raise AssertionError(f"docs/api.md has a shell line this test cannot run: {line}")


def test_the_fund_walkthrough_of_docs_api_runs(world: World, tmp_path: Path) -> None:
    shell = Shell(world, tmp_path)
    lines = shell_lines()
    assert any(line.startswith("TOKEN=") for line in lines)
    shell.run(lines)
    assert shell.env["MEMBER"] == world.number("alice")  # the first current member of F101
    [upload] = [r for r in shell.responses if r.request.method == "POST" and "/batches" in r.request.url.path]
    assert upload.status_code == 201
    assert upload.headers["Location"] == f"/api/v1/funds/F101/batches/{shell.env['BATCH']}"
    totals = upload.json()["totals"]
    assert {key: totals[key] for key in ("received", "accepted", "quarantined", "already_held")} == {
        "received": 3,
        "accepted": 2,
        "quarantined": 1,
        "already_held": 0,
    }
    report = next(r for r in shell.responses if r.request.url.path.endswith("/report"))
    assert [line["record_id"] for line in report.json()["records"] if line["outcome"] == "quarantined"] == ["doc-i1"]
    assert any(r.headers.get("content-type", "").startswith("text/csv") for r in shell.responses)
    # What the page says of a second upload of the same batch.
    again = [line for line in lines if line.startswith("curl ") and "/batches" in line and " -F " in line]
    shell.run(again)
    assert shell.responses[-1].status_code == 200
    assert "nothing changed" in shell.responses[-1].json()["message"]
