"""The REST API, versioned under /api/v1/: JSON in, JSON out, described by /api/v1/openapi.json."""
