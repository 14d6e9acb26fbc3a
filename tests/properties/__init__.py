"""Property tests: random small plans and transactions; the engine must equal the reference oracle."""
