"""auth-sandbox bench: load every strategy under gunicorn with locust."""
