"""Benchmarks: `python -m bench.roundtrip` and `python -m bench.startup` (both run by `make bench`)."""
