"""Sessions as files: JSON in a versioned schema (export and import) and Markdown for reading.

The schema, `seed-playground/session@1`, is documented in the README ("Export and import").
"""

SCHEMA = "seed-playground/session@1"
