"""Whoosh's own behaviour, for the tests that compare the extension with it: a function run
in a fresh Python process, where Whoosh is as installed (remarks patches nothing on import;
only `indexer.whoosh_ext.apply()` does, and the process checks it was not called)."""

import pickle
import subprocess
import sys

from tests.conftest import ROOT

RUNNER = """
import importlib, pickle, sys
import whoosh.reading
stock = whoosh.reading.MultiReader.column_reader
module, name = sys.argv[1].rsplit(".", 1)
function = getattr(importlib.import_module(module), name)
result = function(*pickle.load(sys.stdin.buffer))
assert whoosh.reading.MultiReader.column_reader is stock, "Whoosh was patched"
from indexer import whoosh_ext
assert not whoosh_ext._applied, "Whoosh was patched"
sys.stdout.buffer.write(pickle.dumps(result))
"""


def in_stock_whoosh(function: str, *args):
    """Return `function(*args)` (a dotted name) computed with unpatched Whoosh."""
    run = subprocess.run(
        [sys.executable, "-c", RUNNER, function],
        input=pickle.dumps(args),
        capture_output=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    return pickle.loads(run.stdout)
