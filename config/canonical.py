"""The canonical import file's columns and vocabularies (domain.md section 3), in their order.

Defined once here because loaders, metrics, charts, reports and the UI all need
the same lists, and config is the one module they may all import.
"""

CANONICAL_COLUMNS = (
    "episode_id",
    "child_id",
    "category",
    "reported_at",
    "returned_at",
    "missing_from",
    "placement_type",
    "out_of_area",
    "placing_authority",
    "establishment_id",
    "establishment_name",
    "from_postcode",
    "found_postcode",
    "sex",
    "date_of_birth",
    "ethnicity",
    "police_risk",
    "rag",
    "safe_and_well_at",
    "rhi_offered_at",
    "rhi_outcome",
    "rhi_completed_at",
    "strategy_meeting_at",
    "cse_concern",
    "cce_concern",
    "rhi_conducted_by",
    "rhi_late_reason",
    "push_factors",
    "pull_factors",
    "disclosures",
    "follow_up",
)
# The datetime columns of an episode; each is stored with a `<name>_date_only` flag.
DATETIME_COLUMNS = (
    "reported_at",
    "returned_at",
    "safe_and_well_at",
    "rhi_offered_at",
    "rhi_completed_at",
    "strategy_meeting_at",
)

# Return interview content (domain.md section 11): columns that hold several values separated
# by `;`, each from its vocabulary, stored `;`-joined in the vocabulary's order.
MULTI_VALUE_SEPARATOR = ";"
MULTI_VALUE_VOCABULARIES = {
    "rhi_conducted_by": ("independent_provider", "social_worker", "early_help", "police", "other"),
    "rhi_late_reason": (
        "child_declined_then_accepted",
        "could_not_contact",
        "placed_out_of_area",
        "staff_capacity",
        "notified_late",
        "other",
    ),
    "push_factors": (
        "family_conflict",
        "neglect_abuse",
        "placement_unhappy",
        "school",
        "bullying",
        "mental_health",
        "substance_misuse",
        "other",
    ),
    "pull_factors": ("friends_peers", "boyfriend_girlfriend", "family", "parties_adults", "drugs", "other"),
    "disclosures": (
        "cse",
        "cce_county_lines",
        "trafficking",
        "self_harm",
        "sexual_assault",
        "physical_harm",
        "substance_misuse",
        "criminal_activity",
        "none",
    ),
    "follow_up": (
        "mash_referral",
        "safety_plan_updated",
        "police_intelligence",
        "strategy_meeting",
        "support_service",
        "none",
    ),
}

# Vocabularies of section 3, in the order the metrics list them.
CATEGORIES = ("missing", "absent", "away")
MISSING_FROM = ("home", "care")
PLACEMENT_TYPES = ("foster", "residential", "semi_independent", "kinship", "other")
SEXES = ("female", "male", "other")
ETHNICITIES = (
    "WBRI",
    "WIRI",
    "WOTH",
    "WIRT",
    "WROM",
    "MWBC",
    "MWBA",
    "MWAS",
    "MOTH",
    "AIND",
    "APKN",
    "ABAN",
    "AOTH",
    "BCRB",
    "BAFR",
    "BOTH",
    "CHNE",
    "OOTH",
    "REFU",
    "NOBT",
)
POLICE_RISKS = ("no_apparent_risk", "low", "medium", "high")
RAGS = ("red", "amber", "green")
RHI_OUTCOMES = ("completed", "declined", "unable_to_contact", "missing_again", "pending", "not_offered")
VOCABULARIES = {
    "category": CATEGORIES,
    "missing_from": MISSING_FROM,
    "placement_type": PLACEMENT_TYPES,
    "sex": SEXES,
    "ethnicity": ETHNICITIES,
    "police_risk": POLICE_RISKS,
    "rag": RAGS,
    "rhi_outcome": RHI_OUTCOMES,
}

# What a metric or the sidebar shows for a blank or unusable value.
NOT_KNOWN = "Not known"
# Yes/no words a file or a URL may use, case-insensitive, and the values they stand for.
BOOLEAN_WORDS = {"y": True, "yes": True, "true": True, "1": True, "n": False, "no": False, "false": False, "0": False}
# A yes/no filter's values and each yes/no word as one of them.
YES_NO = ("yes", "no", NOT_KNOWN)
BOOLEAN_ALIASES = {word: "yes" if value else "no" for word, value in BOOLEAN_WORDS.items()}
# A switch in a URL (meeting=1): the yes/no words, and on/off.
SWITCH_WORDS = {**BOOLEAN_WORDS, "on": True, "off": False}

# Small-number suppression's mark for a hidden number that is not small itself: a percentage built on a
# small count, or a count of 5 or more hidden so that a small one cannot be worked out (secondary).
HIDDEN_MARK = "*"

# One imported row's own values, as the contributions table keeps them per source (reconciliation,
# domain.md section 11): what loaders read, what metrics.reconciliation compares, what the sample writes.
CONTRIBUTION_COLUMNS = (
    "episode_id",
    "source",
    "child_id",
    "category",
    "missing_from",
    "reported_at",
    "reported_at_date_only",
    "returned_at",
    "returned_at_date_only",
)
