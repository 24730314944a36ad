"""Notes printed beside figures, worded once for the pages and the committee pack.

The numbers come from metrics; what a note may say to a viewer or on paper
follows the small-number rule of `reports.suppression` (domain.md section 6).
"""

from __future__ import annotations

import pandas as pd

from reports.suppression import HIDDEN_MARK, suppress

DATE_ONLY_RULE = "a time limit in doubt counts against the deadline and for the alert"


def _suppressed(with_date_only: int, without: int, threshold: int) -> list[object]:
    """The two parts of the total as `suppress` would publish them (`<5`, `*` or the number)."""
    parts = pd.DataFrame({"count": [with_date_only, without]})
    return suppress(parts, ["count"], {}, threshold)["count"].tolist()


def date_only_note(with_date_only: int, episodes: int, *, publication: bool, threshold: int = 5) -> str:
    """How many of the episodes behind a rate or an alert list have a date-only time, and what that
    means (domain.md section 4); "" when there are no episodes. For publication or a viewer, a count
    from 1 to threshold - 1 reads `fewer than 5`, and where the total would give the rest away
    (338 of 340) the count says `all but fewer than 5`."""
    if episodes <= 0:
        return ""
    small = f"fewer than {threshold}"
    total = small if publication and episodes < threshold else f"{episodes:,}"
    if with_date_only == 0:
        return f"None of these {total} episodes has a date-only time, so no time limit is in doubt."
    count = f"{with_date_only:,}"
    if publication:
        shown, _ = _suppressed(with_date_only, episodes - with_date_only, threshold)
        if shown == f"<{threshold}":
            count = small
        elif shown == HIDDEN_MARK:  # hidden because the rest is small (`<5`) and the total is known
            count = f"all but {small}"
    verb = "has" if count == "1" else "have"
    text = f"{count} of these {total} episodes {verb} a date-only time (a date with no time of day): {DATE_ONLY_RULE}."
    return text[0].upper() + text[1:]
