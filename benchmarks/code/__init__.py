"""Benchmark of the code sandbox: pooled vs cold sandboxed runs (see __main__)."""
