"""The project explains itself: docs/ARCHITECTURE.md names files that exist and every module
of core/, the README's commands exist, and nothing cites a file outside the repository."""
import re
import subprocess

from core import cli
from core.config import ROOT

ARCHITECTURE = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
README = (ROOT / "README.md").read_text()


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    return listed.stdout.split() if listed.returncode == 0 else []


def test_every_path_the_architecture_names_exists():
    paths = set(re.findall(r"`?((?:core|ui|app_pages|tests|benchmarks|assets|docs)/[\w/.<>-]+)",
                           ARCHITECTURE))
    def exists(path: str) -> bool:  # a file or folder, or module.function
        path = path.rstrip("/.")
        return (ROOT / path).exists() or (ROOT / (path.split(".")[0] + ".py")).exists()

    missing = [p for p in paths if "<" not in p and not exists(p)]
    assert not missing, missing


def test_every_module_of_core_is_on_the_map():
    modules = [p for p in (ROOT / "core").rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py")]
    unmentioned = [str(p.relative_to(ROOT)) for p in modules if p.name not in ARCHITECTURE]
    assert not unmentioned, unmentioned


def test_core_has_rooms_and_only_the_cross_cutting_few_outside_them():
    loose = {p.name for p in (ROOT / "core").glob("*.py")}
    assert loose == {"__init__.py", "__main__.py", "config.py", "settings.py", "i18n.py",
                     "cli.py", "st_cache.py"}
    rooms = {p.name for p in (ROOT / "core").iterdir() if (p / "__init__.py").exists()}
    assert rooms == {"data", "stack", "calculator", "engine", "training", "transfer"}


def test_no_source_file_is_a_sprawl():
    long = [(p, n) for p in (ROOT / "core").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 300]
    long += [(p, n) for folder in ("ui", "app_pages") for p in (ROOT / folder).rglob("*.py")
             if (n := len(p.read_text().splitlines())) > 300]
    assert not long, long


def test_the_readmes_commands_are_real_verbs():
    verbs = set(re.findall(r"python -m core ([a-z][a-z-]+)", README + ARCHITECTURE))
    assert verbs and verbs <= set(cli.VERBS), verbs - set(cli.VERBS)


def test_nothing_cites_a_file_outside_the_repository():
    for name in tracked_files():
        path = ROOT / name
        if path.suffix not in (".py", ".md", ".json", ".toml", ".sh", ".txt") or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if name == "tests/core/test_docs.py":
            continue
        assert "DESIGN.md" not in text and "STYLE.md" not in text, name
        assert "../shared" not in text and "shared/seed" not in text, name
