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
    Department,
    Hindrance,
    HindranceRow,
    LoginAttempt,
    Person,
    PersonWeek,
    Survey,
    SurveyLink,
    SurveyQuestion,
    Team,
    User,
    WeeklyStats,
)

__all__ = [
    "ENV_URL",
    "SKILLS",
    "ApiToken",
    "Base",
    "Conversation",
    "ConversationDocument",
    "Database",
    "Department",
    "Hindrance",
    "HindranceRow",
    "LoginAttempt",
    "Person",
    "PersonWeek",
    "Survey",
    "SurveyLink",
    "SurveyQuestion",
    "Team",
    "User",
    "WeeklyStats",
    "database_url",
    "open_database",
    "rebuild_aggregates",
    "refresh_aggregates",
    "upgrade",
]
