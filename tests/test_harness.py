"""The test harness itself: trial output reaches the tests that read it."""
import io
import sys
import time

import pytest

pytestmark = pytest.mark.integration


def wait_for(capfd, text, seconds=30):
    out = ""
    start = time.time()
    while text not in out and time.time() - start < seconds:
        time.sleep(0.2)
        out += capfd.readouterr().out
    return out


def test_trial_lines_still_reach_the_driver_after_one_arrived_at_a_closed_stdout(
        local_ray, capfd, monkeypatch):
    """What pytest does at a test's end (closing the capture file sys.stdout points to) must
    not stop later trial lines: Ray's own forwarder raised there and its thread ended."""
    import ray

    @ray.remote(num_cpus=0)
    def say(text):
        print(text, flush=True)

    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stdout", closed)
    ray.get(say.remote("a line while stdout is closed"))
    # Delivered (the fault happened) before stdout is back; Ray's forwarder never gets here.
    assert "a line while stdout is closed" in wait_for(capfd, "a line while stdout is closed")
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    ray.get(say.remote("a line after"))
    assert "a line after" in wait_for(capfd, "a line after")
