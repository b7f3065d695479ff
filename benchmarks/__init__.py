"""Load tests of the strategies: the locustfile and `auth-sandbox bench`."""
