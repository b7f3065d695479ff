"""`auth-sandbox compare`: the lesson's comparison table, measured on the running strategies."""
