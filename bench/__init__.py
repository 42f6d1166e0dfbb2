"""Benchmarks. Each subpackage ``bench/<name>/`` exposes ``main(argv) -> int`` and writes
``bench/results/<name>.json``; ``python -m bench [name ...]`` runs them (all by default)."""
