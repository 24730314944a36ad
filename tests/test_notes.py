"""The date-only note's wording, for analysts and for viewers and papers (counts 1-4 never printed)."""

import re

import pytest

from reports.notes import date_only_note

RULE = (
    "a date-only time (a date with no time of day): a time limit in doubt counts against the deadline "
    "and for the alert."
)


@pytest.mark.parametrize(
    ("with_date_only", "episodes", "publication", "expected"),
    [
        (12, 340, False, f"12 of these 340 episodes have {RULE}"),
        (12, 340, True, f"12 of these 340 episodes have {RULE}"),
        (1, 340, False, f"1 of these 340 episodes has {RULE}"),
        (1, 340, True, f"Fewer than 5 of these 340 episodes have {RULE}"),
        (4, 340, True, f"Fewer than 5 of these 340 episodes have {RULE}"),
        (5, 340, True, f"5 of these 340 episodes have {RULE}"),
        (335, 340, True, f"335 of these 340 episodes have {RULE}"),
        (338, 340, True, f"All but fewer than 5 of these 340 episodes have {RULE}"),  # 2 without: hidden
        (338, 340, False, f"338 of these 340 episodes have {RULE}"),
        (340, 340, True, f"340 of these 340 episodes have {RULE}"),
        (2, 3, True, f"Fewer than 5 of these fewer than 5 episodes have {RULE}"),
        (1_234, 12_000, False, f"1,234 of these 12,000 episodes have {RULE}"),
        (0, 340, True, "None of these 340 episodes has a date-only time, so no time limit is in doubt."),
        (0, 3, True, "None of these fewer than 5 episodes has a date-only time, so no time limit is in doubt."),
        (0, 0, True, ""),
    ],
)
def test_date_only_note(with_date_only, episodes, publication, expected):
    assert date_only_note(with_date_only, episodes, publication=publication) == expected


def test_published_note_never_prints_a_count_from_1_to_4():
    for episodes in range(30):
        for with_date_only in range(episodes + 1):
            text = date_only_note(with_date_only, episodes, publication=True)
            assert not re.search(r"\b[1-4]\b", text), text
