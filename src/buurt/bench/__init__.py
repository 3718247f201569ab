"""Benchmarks run on demand by ``buurt bench``: reproducible workloads, the peers we compare
against, and the measuring loops. Imports the engine; nothing in the core imports this.
"""
