"""The harness every measurement shares: private servers, round-trip counts, provenance, reports."""
