"""The canonical import file's columns (domain.md section 3), in its order.

Defined once here because loaders, metrics (filter keys) and the sample
builder all need the same list, and config is the one module they may all import.
"""

CANONICAL_COLUMNS = (
    "episode_id", "child_id", "category", "reported_at", "returned_at", "missing_from",
    "placement_type", "out_of_area", "placing_authority", "establishment_id", "establishment_name",
    "from_postcode", "found_postcode", "sex", "date_of_birth", "ethnicity", "police_risk", "rag",
    "safe_and_well_at", "rhi_offered_at", "rhi_outcome", "rhi_completed_at", "strategy_meeting_at",
    "cse_concern", "cce_concern",
)  # fmt: skip
# The datetime columns of an episode; each is stored with a `<name>_date_only` flag.
DATETIME_COLUMNS = (
    "reported_at", "returned_at", "safe_and_well_at", "rhi_offered_at", "rhi_completed_at", "strategy_meeting_at",
)  # fmt: skip
