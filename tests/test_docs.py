"""The README documents every command and every search option."""

import re
import shutil

from typer.main import get_command

from searcher.app.cli import app
from tests.conftest import CORPUS, ROOT, SEED_ID, SEED_NAME

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


def test_the_library_example_in_the_readme_runs(tmp_path, monkeypatch, capsys):
    section = README.split("## As a library", 1)[1].split("\n## ", 1)[0]
    example = re.findall(r"```python\n(.+?)\n```", section, re.S)[0]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (SEED_NAME, "topics.toml"):
        shutil.copy(CORPUS / name, corpus)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith(f"{SEED_ID}:") and "Vladimir Putin" in printed[0]
    assert printed[-1].split()[0] == "82"  # turns of the seed transcript
