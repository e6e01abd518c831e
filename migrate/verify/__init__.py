"""The cassette verifier: rules over VCR.py cassettes, before/after comparison, a scrubber
that keeps secrets off disk, and a pytest plugin for sellers' own test suites."""
