"""Use cases over the store and the engine: import, dashboards, demo, access, auth."""
