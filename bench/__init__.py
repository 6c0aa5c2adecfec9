"""Benchmarks: scripts that print a small table (see bench/README.md). Not part of the test suite's timing."""
