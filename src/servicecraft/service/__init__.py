"""Use cases over the store and the engine: import, dashboards, demo, access policy, auth, users.

``Session`` is the unit of work every use case takes; the shells pass it through without
querying it themselves.
"""

from sqlalchemy.orm import Session

__all__ = ["Session"]
