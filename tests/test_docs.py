"""The README documents every command and every search option."""

import re

from typer.main import get_command

from searcher.cli import app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme():
    for name in get_command(app).commands:
        assert f"`remarks {name}" in README, name


def test_every_search_option_is_in_the_readme():
    search = get_command(app).commands["search"]
    for param in search.params:
        for opt in param.opts:
            if opt.startswith("--") and opt not in ("--help",):
                assert re.search(rf"`{re.escape(opt)}\b", README), opt


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", section)
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()
