"""Offline datasets: Minari's format, written from trained policies and replay pools, read into
replay pools (``minari_datasets``; ``utils`` builds them from a variant)."""
