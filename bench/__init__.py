"""Benchmark of the order lifecycle: ``python -m bench.run`` (see README, "Benchmark")."""
