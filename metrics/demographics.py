"""Who goes missing: distinct children by sex, ethnic group, age band and home/care.

Child details are the same on every episode of a child; age band is taken at
the child's first episode in the period and home/care from the latest.
"""

from __future__ import annotations

import pandas as pd

from metrics.bands import category_band_table, first_per_child
from metrics.filters import AGE_BANDS, ETHNIC_GROUP_BANDS, ETHNICITY_CODES, NOT_KNOWN, ensure_derived

SEX_BANDS = ("female", "male", "other", NOT_KNOWN)
HOME_CARE_BANDS = ("home", "care")


def _with_not_known(values: pd.Series, bands: tuple[str, ...]) -> pd.Series:
    return values.astype("object").where(values.notna(), NOT_KNOWN).astype(pd.CategoricalDtype(list(bands)))


def sex_bands(episodes: pd.DataFrame) -> pd.DataFrame:
    """Children by sex; denominator children."""
    return category_band_table(
        _with_not_known(first_per_child(episodes[["child_id", "reported_at", "sex"]])["sex"], SEX_BANDS), SEX_BANDS
    )


def ethnic_group_bands(episodes: pd.DataFrame) -> pd.DataFrame:
    """Children by ethnic group (White, Mixed, Asian, Black, Other, Not known); denominator children."""
    children = first_per_child(ensure_derived(episodes)[["child_id", "reported_at", "ethnic_group"]])
    return category_band_table(children["ethnic_group"], ETHNIC_GROUP_BANDS)


def ethnicity_bands(episodes: pd.DataFrame) -> pd.DataFrame:
    """Children by the detailed DfE ethnicity code, blank as Not known; denominator children."""
    bands = ETHNICITY_CODES + (NOT_KNOWN,)
    return category_band_table(
        _with_not_known(first_per_child(episodes[["child_id", "reported_at", "ethnicity"]])["ethnicity"], bands), bands
    )


def age_bands(episodes: pd.DataFrame) -> pd.DataFrame:
    """Children by age band at their first episode in the period; denominator children."""
    return category_band_table(
        first_per_child(ensure_derived(episodes)[["child_id", "reported_at", "age_band"]])["age_band"], AGE_BANDS
    )


def home_care_bands(episodes: pd.DataFrame) -> pd.DataFrame:
    """Children by missing from home or care at their latest episode in the period; denominator children."""
    latest = first_per_child(episodes[["child_id", "reported_at", "missing_from"]], latest=True)["missing_from"]
    return category_band_table(latest.astype("object"), HOME_CARE_BANDS)
