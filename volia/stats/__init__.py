"""Statistics derived from the registry: plain Python and numpy, no Django (except `registry_systems`)."""
