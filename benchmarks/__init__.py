"""Benchmarks: each module measures one issue's performance target against a baseline in the same run."""
