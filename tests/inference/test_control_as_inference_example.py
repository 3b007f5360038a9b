"""Smoke test: the control-as-inference example runs and writes its figures."""

import os

import pytest

pytest.importorskip("matplotlib")

from examples.control_as_inference import main as example  # noqa: E402


def test_example_writes_pngs(tmp_path, capsys):
    paths = example.main(["--output-dir", str(tmp_path), "--temperatures", "0.5", "2",
                          "--horizon", "12"])
    assert [os.path.basename(path) for path in paths] == ["soft_policies.png",
                                                         "posterior_dynamics.png"]
    for path in paths:
        with open(path, "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "Hard-optimal policy" in printed and "soft_policies.png" in printed
