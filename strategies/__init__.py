"""Authentication strategies: one module each, all behind the interface in `base`."""
