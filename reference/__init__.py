"""The documentation's generated parts: tables written from what the code declares.

A page of `docs/` keeps its prose by hand and marks each generated part with two comment
lines, `<!-- generated: NAME -->` and `<!-- /generated: NAME -->`; `python -m reference`
rewrites what lies between them, and `python -m reference --check` (and the test suite)
says which parts are stale. Sources: the `Setting` declarations (`settings_tables`), the
app's `/openapi.json` for every configuration (`http_tables`), the `auth-sandbox` commands'
click declarations (`command_tables`).
"""
