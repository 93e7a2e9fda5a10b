"""Storage: SQLAlchemy schema, migrations and opening a database (SQLite or PostgreSQL)."""

from servicecraft.model import SKILLS
from servicecraft.store.aggregates import rebuild as rebuild_aggregates
from servicecraft.store.aggregates import refresh as refresh_aggregates
from servicecraft.store.database import ENV_URL, Database, database_url, open_database, upgrade
from servicecraft.store.schema import (
    ApiToken,
    Base,
    Conversation,
    ConversationDocument,
    DataVersion,
    Department,
    Hindrance,
    HindranceRow,
    LoginAttempt,
    Person,
    PersonWeek,
    Survey,
    SurveyLink,
    Team,
    User,
    WebSession,
    WeeklyStats,
    name_key,
)

__all__ = [
    "ENV_URL",
    "SKILLS",
    "ApiToken",
    "Base",
    "Conversation",
    "ConversationDocument",
    "DataVersion",
    "Database",
    "Department",
    "Hindrance",
    "HindranceRow",
    "LoginAttempt",
    "Person",
    "PersonWeek",
    "Survey",
    "SurveyLink",
    "Team",
    "User",
    "WebSession",
    "WeeklyStats",
    "database_url",
    "name_key",
    "open_database",
    "rebuild_aggregates",
    "refresh_aggregates",
    "upgrade",
]
