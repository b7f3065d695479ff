"""The sandbox app for gunicorn in the multi-worker test; each response names its worker.

A test helper, not product code: the contract promises no X-Worker-Pid header.
"""

import os

from sandbox import create_app

app = create_app()


@app.after_request
def mark_worker(response):
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response
