"""SKM in the field and in the report: assisted surveys, coverage, trends, charts, posters."""
