"""`python -m core`: one command line whose verbs run the same code the pages use."""
import subprocess
import sys

from core import cli
from core.config import ROOT


def test_help_lists_every_verb():
    result = subprocess.run([sys.executable, "-m", "core", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for name in cli.VERBS:
        assert name in result.stdout
    assert {"prepare-cifar", "pretrain"} <= set(cli.VERBS)


def test_every_verb_has_its_own_help(capsys):
    for name in cli.VERBS:
        try:
            cli.main([name, "--help"])
        except SystemExit as done:
            assert done.code == 0
        assert "usage: python -m core " + name in capsys.readouterr().out


def test_a_verb_that_does_not_exist_is_refused(capsys):
    try:
        cli.main(["train-everything"])
    except SystemExit as done:
        assert done.code == 2
    assert "invalid choice" in capsys.readouterr().err
