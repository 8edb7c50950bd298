"""The speed benchmark of issue 6: ``python -m benchmarks.run --articles 500 1000``.

generate.py writes N synthetic seed-shaped articles; contenders.py says what runs
(guidesite validate and build, naive MkDocs, Zensical, the Python-Markdown floor,
floor.py); measure.py times each in a fresh process and sizes its output;
run.py prints and saves the table.
"""
