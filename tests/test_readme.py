"""README's Python API snippet runs as written (the same block is on the docs' Python API
page: tests/test_docs.py checks they are one text)."""
import os
import re

import pytest

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def readme_snippet(marker):
    """The ```python block that follows ``<!-- marker -->`` in README.md."""
    with open(README) as file:
        text = file.read()
    match = re.search(rf"<!-- {marker} -->\s*(?:<!-- runnable -->\s*)?```python\n(.*?)```",
                      text, re.DOTALL)
    assert match, f"README.md has no python block after <!-- {marker} -->"
    return match.group(1)


@pytest.mark.integration
def test_python_api_snippet_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(readme_snippet("python-api"), "README.md", "exec"), namespace)
    assert sorted(os.listdir(tmp_path / "pendulum_run")) == ["checkpoint_000002"]
    assert os.path.isfile(tmp_path / "pendulum_policy" / "saved_model.pb")
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed[:2]] == ["1", "2"]  # one line per epoch
    assert namespace["action"].shape == (1,) and abs(namespace["action"][0]) <= 2.0
