"""Extractors: one pure function per file format, from text to facts (see ``facts.py``)."""
