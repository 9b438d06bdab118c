"""quality-gate: black, flake8, mypy and pytest run concurrently on the caller's project; their
output becomes findings, then annotations, a step summary and JSON/JUnit reports."""
