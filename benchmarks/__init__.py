"""Hand-run benchmarks: `python -m benchmarks.<name>`."""
