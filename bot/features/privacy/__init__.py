"""Personal data lifecycle (UU 27/2022): retention, erasure and export for one person."""
