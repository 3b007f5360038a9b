"""Experiments: the Python API (``Experiment``), default variants, and the Tune runner.

``experiment.py`` needs TensorFlow but not Ray; ``tune_runner.py`` and ``launcher.py`` (the
``softlearning run_example_*`` commands) add Ray Tune.
"""
