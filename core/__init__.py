"""Tradeoff Explorer's engine: read a table, train a model ladder, measure accuracy and cost.

A plain library (it never imports streamlit) with a command line: ``python -m core --help``.
"""
