"""The documentation cannot rot: the site builds with ``mkdocs build --strict`` (no broken
link, no missing reference), every block marked runnable runs, every ``softlearning
run_example_*`` command shown parses (through ``run_example_dry``, in this process), and no
page points at files a user does not have."""
import glob
import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

PAGES = sorted(glob.glob(os.path.join(PROJECT_ROOT, "docs", "**", "*.md"), recursive=True)
               + [os.path.join(PROJECT_ROOT, "README.md")])
RUNNABLE = "<!-- runnable -->"
EXAMPLE_COMMANDS = ("run_example_local", "run_example_ray", "run_example_debug",
                    "run_example_dry")
# Placeholders a reader replaces; any address parses (nothing is contacted by a dry run).
PLACEHOLDERS = {"HOST:PORT": "127.0.0.1:6379", "HEAD_IP": "127.0.0.1"}


def relative(path):
    return os.path.relpath(path, PROJECT_ROOT)


def code_blocks(path):
    """(language, text, first line number, marked runnable) of every fenced block."""
    lines = open(path).read().split("\n")
    blocks, index = [], 0
    while index < len(lines):
        fence = re.match(r"^(\s*)```(\w*)\s*$", lines[index])
        if not fence:
            index += 1
            continue
        start, body = index, []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith("```"):
            body.append(lines[index][len(fence.group(1)):])
            index += 1
        previous = next((line.strip() for line in reversed(lines[:start]) if line.strip()), "")
        blocks.append((fence.group(2), "\n".join(body), start + 1, previous == RUNNABLE))
        index += 1
    return blocks


def shown_commands():
    """Every ``softlearning run_example_*`` command in the pages' shell blocks, continuation
    lines joined and comments dropped, as (page:line, argv). A synopsis (``...`` or ``[``
    in it: the usage lines of the command page) is not a command and is left out."""
    commands = []
    for path in PAGES:
        for language, text, line, _ in code_blocks(path):
            if language not in ("", "bash", "sh", "console"):
                continue
            for command in re.sub(r"\\\n\s*", " ", text).split("\n"):
                for part in command.split("&&"):
                    part = part.split(" #", 1)[0].strip()
                    words = part.split()
                    if len(words) < 3 or words[0] != "softlearning" or (
                            words[1] not in EXAMPLE_COMMANDS):
                        continue
                    if "..." in part or "[" in part.replace("[32,32]", ""):
                        continue
                    for placeholder, value in PLACEHOLDERS.items():
                        part = part.replace(placeholder, value)
                    commands.append((f"{relative(path)}:{line}", shlex.split(part)[1:]))
    return commands


COMMANDS = shown_commands()


def test_the_pages_show_commands_to_parse():
    # The pages this test reads have commands in them (the extraction found them).
    assert len(COMMANDS) >= 20
    assert {argv[0] for _, argv in COMMANDS} >= {"run_example_local", "run_example_ray"}


def make_shown_dataset(argv, directory):
    """A small random dataset under the id a shown ``--dataset`` command names, for its
    ``--domain`` (and ``--task``): the dry run reads and checks it as a real run would."""
    import gymnasium
    import numpy as np

    from softlearning_tf2.datasets.minari_datasets import record_episodes, write_dataset
    from softlearning_tf2.experiments.variants import default_task

    def flag(name, default):
        return argv[argv.index(name) + 1] if name in argv else default

    domain = flag("--domain", "Pendulum")
    raw = gymnasium.make(f"{domain}-{flag('--task', default_task('gymnasium', domain))}")
    raw.action_space.seed(0)
    buffers, _ = record_episodes(raw, lambda observation: raw.action_space.sample(), 1, seed=0,
                                 max_path_length=20)
    write_dataset(flag("--dataset", None), buffers, raw, 0.0, 1.0, "random", str(directory))


@pytest.mark.parametrize("where, argv", COMMANDS, ids=[where for where, _ in COMMANDS])
def test_every_command_shown_parses_as_a_dry_run(where, argv, capsys, monkeypatch, tmp_path):
    from softlearning_tf2.scripts import console_scripts

    monkeypatch.chdir(PROJECT_ROOT)  # the example modules are found from the working directory
    if "--dataset" in argv:
        monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
        make_shown_dataset(argv, tmp_path)
    code = console_scripts.main(["run_example_dry", *argv[1:]])
    out, err = capsys.readouterr()
    assert code == 0, f"{where}: {' '.join(argv)}\n{err[-2000:]}"
    assert "number of trials:" in out


def test_no_page_or_source_points_at_files_users_do_not_have():
    """The workplace's folder beside the repository is not something a user has."""
    sources = PAGES + sorted(
        glob.glob(os.path.join(PROJECT_ROOT, "**", "*.py"), recursive=True)
        + glob.glob(os.path.join(PROJECT_ROOT, "benchmarks", "**", "*.md"), recursive=True))
    outside = [f"{relative(path)}:{number}" for path in sources
               if path != os.path.abspath(__file__)
               for number, line in enumerate(open(path, errors="replace"), 1)
               if "../" "shared" in line]
    assert not outside


def runnable_blocks():
    return [(f"{relative(path)}:{line}", text) for path in PAGES
            for language, text, line, runnable in code_blocks(path)
            if runnable and language == "python"]


def blocks_to_run():
    """Each runnable block once (one text shown on two pages runs once); the Python API
    block runs in tests/test_readme.py, which also checks the files it writes."""
    from tests.test_readme import readme_snippet

    seen, blocks = {readme_snippet("python-api")}, []
    for where, text in runnable_blocks():
        if text not in seen:
            seen.add(text)
            blocks.append((where, text))
    return blocks


def test_the_python_api_example_is_the_same_on_the_landing_page_and_its_page():
    blocks = dict(runnable_blocks())
    readme = [text for where, text in blocks.items() if where.startswith("README.md")]
    page = [text for where, text in blocks.items()
            if where.startswith(os.path.join("docs", "getting-started", "python-api.md"))]
    assert readme and page and readme[0] == page[0]


@pytest.mark.integration
def test_runnable_blocks_run(tmp_path, monkeypatch):
    """Each block marked ``<!-- runnable -->`` runs as written, in an empty directory."""
    assert runnable_blocks(), "no runnable block found: the marker changed?"
    for index, (where, text) in enumerate(blocks_to_run()):
        os.makedirs(tmp_path / str(index))
        monkeypatch.chdir(tmp_path / str(index))
        exec(compile(text, where, "exec"), {"__name__": "__docs__"})


@pytest.mark.integration
def test_the_site_builds_with_no_warning(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    for page in ("index.html", "algorithms/sac/index.html", "api/experiment/index.html",
                 "results/index.html", "results/mujoco/Hopper-v5.png",
                 "results/frontier/iqm.png"):
        assert os.path.exists(tmp_path / page), page
    # Formulas are MathML, none left as raw TeX for a script the site does not load.
    tqc = (tmp_path / "algorithms" / "tqc" / "index.html").read_text()
    assert tqc.count("<math") >= 5 and 'class="arithmatex"' not in tqc
    # The API reference is generated from the docstrings, not empty.
    assert "train_epoch" in (tmp_path / "api" / "experiment" / "index.html").read_text()
