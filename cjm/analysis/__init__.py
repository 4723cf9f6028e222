"""The computations: DataFrames and keyword arguments in; DataFrames, dataclasses, numbers and codes out.

No language, no params dict, no files; inputs are never changed.
"""
