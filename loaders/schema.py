"""The database tables, as SQLAlchemy 2 models.

One episode row holds every column of the canonical import file (domain.md
section 3) plus what the loaders work out from it: the resolved postcode
facts and a `_date_only` flag for each datetime given without a time. Child
details (sex, date of birth, ethnicity) live once per child in `children`.
Alembic migrations in `loaders/migrations/` create these tables; this file is
their single description.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# The postcode facts stored for from_postcode and found_postcode.
POSTCODE_FACTS = ("district", "sector", "easting", "northing", "lad", "unknown")


class Base(DeclarativeBase):
    pass


class Child(Base):
    """A child, known only by a pseudonymous id."""

    __tablename__ = "children"

    child_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sex: Mapped[str | None] = mapped_column(String(8))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    ethnicity: Mapped[str | None] = mapped_column(String(4))


class Establishment(Base):
    """A children's home or other placement that episodes start from."""

    __tablename__ = "establishments"

    establishment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    establishment_name: Mapped[str | None] = mapped_column(String(200))


class Import(Base):
    """One run of the import command or page: what came in and what happened."""

    __tablename__ = "imports"

    import_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    file_format: Mapped[str] = mapped_column(String(16))
    imported_by: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    # landed | refused | dry_run
    outcome: Mapped[str] = mapped_column(String(16))


class ImportMessage(Base):
    """An error or warning about one cell of an imported file."""

    __tablename__ = "import_messages"

    message_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.import_id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    row: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(8))  # error | warning
    text: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """Who saw or exported what, when, with which filters (domain.md section 6)."""

    __tablename__ = "audit_log"

    audit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))  # view | export | import
    subject: Mapped[str] = mapped_column(String(200))
    filters: Mapped[str | None] = mapped_column(Text)  # JSON


class User(Base):
    """Someone who may sign in, with a hashed password (argon2) and one role.

    Roles (domain.md section 6): viewer sees aggregates only, always
    publication-safe; analyst also sees child-level views; admin also imports
    data and manages users. Users signing in through the council's identity
    provider (OIDC) have no password_hash.
    """

    __tablename__ = "users"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # viewer | analyst | admin
    password_hash: Mapped[str | None] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    password_set_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)


class SignInSession(Base):
    """One browser's signed-in session, found again from its cookie (docs/sign-in.md).

    Only hashes are kept: `token_hash` of the cookie's random token, and
    `claim_hash` of the one-time ticket the page trades for that cookie within a
    minute of signing in. Ending a session (`ended_at`) makes its cookie worthless.
    """

    __tablename__ = "sessions"

    session_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(String(100), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    claim_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    signed_in_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class Episode(Base):
    """One occasion a child was not where they should be."""

    __tablename__ = "episodes"

    episode_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.child_id"), index=True)
    category: Mapped[str] = mapped_column(String(8))
    reported_at: Mapped[datetime] = mapped_column(DateTime)
    reported_at_date_only: Mapped[bool] = mapped_column(Boolean, default=False)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime)
    returned_at_date_only: Mapped[bool] = mapped_column(Boolean, default=False)
    missing_from: Mapped[str] = mapped_column(String(4))
    placement_type: Mapped[str | None] = mapped_column(String(16))
    out_of_area: Mapped[bool | None] = mapped_column(Boolean)
    placing_authority: Mapped[str | None] = mapped_column(String(200))
    establishment_id: Mapped[str | None] = mapped_column(ForeignKey("establishments.establishment_id"))

    from_postcode: Mapped[str | None] = mapped_column(String(8))
    from_district: Mapped[str | None] = mapped_column(String(4))
    from_sector: Mapped[str | None] = mapped_column(String(6))
    from_easting: Mapped[float | None] = mapped_column(Float)
    from_northing: Mapped[float | None] = mapped_column(Float)
    from_lad: Mapped[str | None] = mapped_column(String(9))
    from_unknown: Mapped[bool] = mapped_column(Boolean, default=False)

    found_postcode: Mapped[str | None] = mapped_column(String(8))
    found_district: Mapped[str | None] = mapped_column(String(4))
    found_sector: Mapped[str | None] = mapped_column(String(6))
    found_easting: Mapped[float | None] = mapped_column(Float)
    found_northing: Mapped[float | None] = mapped_column(Float)
    found_lad: Mapped[str | None] = mapped_column(String(9))
    found_unknown: Mapped[bool] = mapped_column(Boolean, default=False)

    police_risk: Mapped[str | None] = mapped_column(String(16))
    rag: Mapped[str | None] = mapped_column(String(5))
    safe_and_well_at: Mapped[datetime | None] = mapped_column(DateTime)
    safe_and_well_at_date_only: Mapped[bool] = mapped_column(Boolean, default=False)
    rhi_offered_at: Mapped[datetime | None] = mapped_column(DateTime)
    rhi_offered_at_date_only: Mapped[bool] = mapped_column(Boolean, default=False)
    rhi_outcome: Mapped[str | None] = mapped_column(String(20))
    rhi_completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    rhi_completed_at_date_only: Mapped[bool] = mapped_column(Boolean, default=False)
    strategy_meeting_at: Mapped[datetime | None] = mapped_column(DateTime)
    strategy_meeting_at_date_only: Mapped[bool] = mapped_column(Boolean, default=False)
    cse_concern: Mapped[bool | None] = mapped_column(Boolean)
    cce_concern: Mapped[bool | None] = mapped_column(Boolean)
    # Return interview content (config.canonical.MULTI_VALUE_VOCABULARIES): `;`-joined in vocabulary order.
    rhi_conducted_by: Mapped[str | None] = mapped_column(String(200))
    rhi_late_reason: Mapped[str | None] = mapped_column(String(200))
    push_factors: Mapped[str | None] = mapped_column(String(200))
    pull_factors: Mapped[str | None] = mapped_column(String(200))
    disclosures: Mapped[str | None] = mapped_column(String(200))
    follow_up: Mapped[str | None] = mapped_column(String(200))

    source: Mapped[str] = mapped_column(String(16), default="canonical")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.import_id"))

    __table_args__ = (Index("ix_episodes_reported_at", "reported_at"),)


EPISODE_COLUMNS = tuple(c.name for c in Episode.__table__.columns)


class DfeFigure(Base):
    """One figure the DfE published (domain.md section 10): a year ending 31 March, an area
    (England, a region or a council) and a measure, as published text plus its number.

    `value` keeps the DfE's symbols (`c`, `x`, `z`, `k`, `low`, `:`) as printed; `number` is
    blank for them, so a suppressed figure is never read as 0.
    """

    __tablename__ = "dfe_figures"
    __table_args__ = (UniqueConstraint("year", "area_code", "measure", name="uq_dfe_figures_year_area_measure"),)

    figure_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, index=True)  # the year ending 31 March
    level: Mapped[str] = mapped_column(String(16))  # national | regional | local_authority
    area_code: Mapped[str] = mapped_column(String(12))  # ONS code (E92000001, E12000005, E08000025)
    old_la_code: Mapped[str | None] = mapped_column(String(8))  # the DfE's LA number (330)
    area_name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(String(12))  # a council's region
    measure: Mapped[str] = mapped_column(String(200))  # as the DfE names it
    value: Mapped[str] = mapped_column(String(16))  # as published
    number: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300))  # the shipped file, or the file loaded
    loaded_at: Mapped[datetime] = mapped_column(DateTime)


class Contribution(Base):
    """What one source said about one episode, as that source gave it (domain.md section 11).

    The episodes table keeps one merged row per event (police times win over
    an SSDA903 period's dates); reconciliation compares each source's own
    values, so every imported row is also kept here under its own id. A row
    imported again replaces its earlier values. A partial update (`tracker`)
    gives only episode_id.
    """

    __tablename__ = "contributions"

    source: Mapped[str] = mapped_column(String(16), primary_key=True)  # police | ssda903 | canonical | tracker
    episode_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the source's own id
    child_id: Mapped[str | None] = mapped_column(String(64), index=True)
    category: Mapped[str | None] = mapped_column(String(8))
    missing_from: Mapped[str | None] = mapped_column(String(4))
    reported_at: Mapped[datetime | None] = mapped_column(DateTime)
    reported_at_date_only: Mapped[bool | None] = mapped_column(Boolean)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime)
    returned_at_date_only: Mapped[bool | None] = mapped_column(Boolean)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.import_id"))


class Resolution(Base):
    """A reconciliation item the data officer has checked and closed, with why (audited)."""

    __tablename__ = "reconciliation_resolutions"

    # kind|police episode|council episode: the same disagreement keeps its key across imports
    item_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    resolved_by: Mapped[str] = mapped_column(String(100))
    resolved_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(Text)
