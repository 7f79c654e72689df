"""Benchmark harness for the Zhengwu platform (`make bench`); see bench/README.md."""
