"""Scripts that measure speed and scale and print ratios against a baseline of the same run.

Not tests: nothing here asserts a time. See ``benchmarks/README.md``.
"""
