"""Synthetic episodes that look like Birmingham, April 2014 to March 2016.

Nothing here describes a real child: ids are pseudonymous (`C00001`,
`E0000001`), establishments have made-up names, and every figure is drawn
from a seeded numpy Generator. The shapes follow the Children's Society's
Streetwise report for Birmingham (domain.md section 7): over the block
2014-10-01 to 2015-04-30 the `missing` episodes reproduce its duration,
distance, repeat, sex, ethnicity, home/care and locality shares.

How it is built, all vectorised so a million episodes take seconds:
1. the two years are cut into blocks, the Streetwise period being one of
   them; each block has its active children, each child a repeat band
   (exact quotas per block) and a count of missing episodes in the block;
2. children get sex, ethnicity, home/care (exact quotas among the children
   of the Streetwise block) and a place to go missing from, assigned
   greedily so the districts' shares of episodes and of children come out;
3. missing episodes are spread over each child's block without overlapping;
   absent and away episodes for the same children fill up to the size asked;
4. found postcodes are drawn from the ONS directory at the distance band
   wanted; return interviews, safe and well checks and strategy meetings
   follow with realistic timeliness.
"""

from __future__ import annotations

import itertools
from datetime import date
from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd

import config
from config.canonical import CANONICAL_COLUMNS, DATETIME_COLUMNS, MULTI_VALUE_SEPARATOR, MULTI_VALUE_VOCABULARIES
from loaders.postcodes import METRES_PER_MILE, directory

DEFAULT_SEED = 2015
DEFAULT_EPISODES = 17_000
FIRST_DAY = date(2014, 4, 1)
LAST_DAY = date(2016, 3, 31)
# Blocks tiling the two years; block 1 is the Streetwise period of section 7.
BLOCKS = (
    (date(2014, 4, 1), date(2014, 9, 30)),
    (date(2014, 10, 1), date(2015, 4, 30)),
    (date(2015, 5, 1), date(2015, 11, 30)),
    (date(2015, 12, 1), date(2016, 3, 31)),
)
STREETWISE_BLOCK = 1
# A children's home takes a new group of residents: from this day a share of the away episodes
# (taken from elsewhere in the two years) are theirs, a real shift for the Trends page to show.
NEW_RESIDENTS_FROM = date(2015, 9, 1)
NEW_RESIDENTS_SHARE = 0.25  # of away episodes
MISSING_SHARE = 0.58  # of all episodes; the rest are absent (70%) and away (30%)
CARRY_OVER = 0.4  # share of a block's children still going missing in the next block

BIRMINGHAM = "E08000025"
# Other councils' parts of the B postcode area, where out-of-area placements are.
OUT_OF_AREA_LADS = ("E08000028", "E08000029", "E08000030")  # Sandwell, Solihull, Walsall
NEAR_AREAS = ("B", "WS", "WV", "DY", "CV", "WR")
FAR_AREAS = ("LE", "LU", "L", "LN", "LS")  # one letter of the directory: quick to load

# Repeat bands (section 7): share of children and the episodes a child of the band has.
REPEAT_SHARES = np.array([52, 14, 9.5, 12.4, 12])
DURATION_SHARES = {  # hours [low, high) -> share of missing episodes; None = not known
    (0, 8): 30,
    (8, 16): 21,
    (16, 24): 16,
    (24, 48): 16.5,
    (48, 168): 12,
    (168, 720): 3,
    None: 0.8,
}
ABSENT_DURATION_SHARES = {(0, 8): 58, (8, 16): 20, (16, 24): 10, (24, 48): 8, (48, 168): 3.5, None: 0.5}
AWAY_DURATION_SHARES = {(0, 8): 70, (8, 16): 18, (16, 24): 7, (24, 48): 4, (48, 168): 1}
DISTANCE_EDGES = (0, 5, 10, 20, 40, 80, 400)
DISTANCE_SHARES = np.array([59, 22, 6.6, 2, 1.1, 1.3, 7.3])  # last: found postcode not known
ABSENT_DISTANCE_SHARES = np.array([78, 10, 3, 0.5, 0.3, 0.2, 8])
AWAY_DISTANCE_SHARES = np.array([85, 8, 2, 0, 0, 0, 5])
SEX_SHARES = {"female": 74, "male": 26}
ETHNICITY_SHARES = {  # group share split over DfE codes; None = blank
    "WBRI": 43.5,
    "WIRI": 1.5,
    "WOTH": 4,
    "WIRT": 1,
    "WROM": 1,
    "MWBC": 2.8,
    "MWBA": 1,
    "MWAS": 1,
    "MOTH": 1.2,
    "APKN": 10.5,
    "ABAN": 3,
    "AIND": 3,
    "AOTH": 2.5,
    "BCRB": 7.5,
    "BAFR": 7,
    "BOTH": 2.5,
    "CHNE": 0.4,
    "OOTH": 3.6,
    "REFU": 0.6,
    "NOBT": 1,
    None: 1.4,
}
CARE_SHARE = 0.645
LOCALITY_SHARES = {"East": 48, "South": 17.3, "North": 13, "West & Central": 15.7, "Out of area": 6.5}
# District shares of episodes (within their locality) and of children, where they stand out.
DISTRICT_EPISODE_SHARES = {"B23": 10, "B27": 9, "B33": 5, "B31": 5}
DISTRICT_CHILD_SHARES = {"B31": 7, "B27": 7, "B33": 6.5, "B23": 4.5}
PLACEMENTS = ("residential", "foster", "semi_independent", "kinship", "other")
PLACEMENT_SHARES_FREQUENT = np.array([60, 18, 14, 3, 5])  # children with 9+ episodes a block
PLACEMENT_SHARES_OTHERS = np.array([30, 45, 10, 10, 5])
HOST_SHARE = 0.1  # of children in care in Birmingham: placed here by another council
PLACING_AUTHORITIES = (
    "Sandwell MBC",
    "Solihull MBC",
    "Walsall Council",
    "Dudley MBC",
    "City of Wolverhampton Council",
    "Coventry City Council",
    "Staffordshire County Council",
    "Worcestershire County Council",
    "Warwickshire County Council",
    "Telford & Wrekin Council",
    "Manchester City Council",
    "Lancashire County Council",
)
HOME_WORDS = (
    "Oak",
    "Birch",
    "Willow",
    "Maple",
    "Cedar",
    "Elm",
    "Rowan",
    "Hazel",
    "Ash",
    "Beech",
    "Holly",
    "Linden",
    "Alder",
    "Juniper",
    "Laurel",
    "Poplar",
    "Chestnut",
    "Hawthorn",
    "Meadow",
    "Brook",
    "River",
    "Park",
    "Hill",
    "Orchard",
    "Field",
    "Spring",
    "Valley",
    "Heath",
    "Stone",
    "Lake",
)
HOME_KINDS = ("House", "Lodge", "Court", "View", "Place", "Cottage", "Gardens", "Grange")
SEMI_INDEPENDENT_KINDS = ("Court", "Place", "Gardens")


HOUR = np.timedelta64(3600, "s")


class Sample(NamedTuple):
    """A generated data set: episodes in canonical columns (plus `<datetime>_date_only` flags),
    the children and the establishments they refer to."""

    episodes: pd.DataFrame
    children: pd.DataFrame
    establishments: pd.DataFrame


def generate_episodes(episodes: int | None = None, seed: int = DEFAULT_SEED) -> Sample:
    """Exactly `episodes` synthetic episodes (default about 17,000), the same for the same seed."""
    total = DEFAULT_EPISODES if episodes is None else int(episodes)
    if total < 0:
        raise ValueError("episodes must be 0 or more")
    rng = np.random.default_rng(seed)
    places = _postcode_pools()
    blocks = _child_blocks(total, rng)
    children = _children(blocks, rng)
    _assign_places(children, blocks, places, rng)
    establishments = _establishments(children, places, rng)
    frame = _episode_rows(blocks, children, total, rng)
    frame = _found_postcodes(frame, places, rng)
    frame = _follow_up(frame, rng)
    frame = _interview_content(frame, np.random.default_rng([seed, 15]))  # its own stream: the rest stay as they were
    return _finish(frame, children, establishments, rng)


# --- postcodes -------------------------------------------------------------------------------


class Places(NamedTuple):
    inside: pd.DataFrame  # Birmingham postcodes with district and locality
    out_of_area: pd.DataFrame  # other councils' B postcodes
    near: pd.DataFrame  # West Midlands postcodes, for found postcodes up to 20 miles
    every: pd.DataFrame  # near plus far areas, for longer distances
    by_district: dict[str, np.ndarray]  # from-postcodes of each district, "OOA" for out of area
    position: pd.Index  # every["postcode"], for finding a postcode's row


@cache
def _postcode_pools() -> Places:
    """Postcode pools from the ONS directory, sorted so the draw never depends on load order.

    Read once a process (the pools are never changed): slicing the directory takes seconds.
    """
    book = directory()
    near = book.all_postcodes(set(NEAR_AREAS)).sort_values("postcode", ignore_index=True)
    far = book.all_postcodes(set(FAR_AREAS)).sort_values("postcode", ignore_index=True)
    near["district"] = near["postcode"].str.split(" ").str[0]
    b_area = near[near["postcode"].str.match(r"^B\d")]
    localities = config.locality_table()
    inside = b_area[(b_area["lad"] == BIRMINGHAM) & b_area["district"].isin(localities)].copy()
    inside["locality"] = inside["district"].map(localities)
    out_of_area = b_area[b_area["lad"].isin(OUT_OF_AREA_LADS)].copy()
    out_of_area["locality"] = "Out of area"
    every = pd.concat([near, far], ignore_index=True)
    by_district = {name: group.to_numpy() for name, group in inside.groupby("district")["postcode"]}
    by_district["OOA"] = out_of_area["postcode"].to_numpy()
    position = pd.Index(every["postcode"].to_numpy(dtype=object))
    return Places(inside.reset_index(drop=True), out_of_area.reset_index(drop=True), near, every, by_district, position)


# --- children and their blocks ---------------------------------------------------------------


def _quotas(n: int, shares) -> np.ndarray:
    """Split n into whole numbers in these proportions (largest remainder)."""
    shares = np.asarray(shares, dtype="float64")
    exact = n * shares / shares.sum()
    counts = np.floor(exact).astype("int64")
    extra = n - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:extra]] += 1
    return counts


def _episodes_in_band(band: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Missing episodes in a block for children of each repeat band (1-2, 3-5, 6-8, 9-19, 20+)."""
    n = len(band)
    count = np.select(
        [band == 0, band == 1, band == 2, band == 3],
        [
            rng.choice([1, 2], n, p=[0.62, 0.38]),
            rng.choice([3, 4, 5], n, p=[0.42, 0.33, 0.25]),
            rng.choice([6, 7, 8], n, p=[0.38, 0.33, 0.29]),
            9 + np.minimum(rng.geometric(0.17, n) - 1, 10),
        ],
        20 + np.minimum(np.floor(rng.exponential(7.0, n)).astype("int64"), 40),
    )
    return count.astype("int64")


def _child_blocks(total: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per (child, block) the child goes missing in: repeat band and missing count."""
    days = np.array([(end - start).days + 1 for start, end in BLOCKS])
    mean_per_child = 6.8
    streetwise_children = total * MISSING_SHARE * days[STREETWISE_BLOCK] / days.sum() / mean_per_child
    rows = []
    child_band = np.empty(0, dtype="int64")
    previous = np.empty(0, dtype="int64")
    for block, length in enumerate(days):
        n = max(1 if total else 0, round(streetwise_children * length / days[STREETWISE_BLOCK]))
        quotas = _quotas(n, REPEAT_SHARES)
        carried = previous[rng.random(len(previous)) < CARRY_OVER]
        keep = []
        for band, quota in enumerate(quotas):
            of_band = carried[child_band[carried] == band][:quota]
            keep.append(of_band)
            new = np.arange(len(child_band), len(child_band) + quota - len(of_band))
            child_band = np.concatenate([child_band, np.full(len(new), band)])
            keep.append(new)
        active = np.sort(np.concatenate(keep)).astype("int64")
        rows.append(pd.DataFrame({"child": active, "block": block, "band": child_band[active]}))
        previous = active
    blocks = pd.concat(rows, ignore_index=True)
    blocks["missing"] = _episodes_in_band(blocks["band"].to_numpy(), rng)
    return blocks


def _children(blocks: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Sex, ethnicity and home/care: exact quotas among the Streetwise block's children."""
    n = int(blocks["child"].max()) + 1 if len(blocks) else 0
    streetwise = blocks[blocks["block"] == STREETWISE_BLOCK].set_index("child")["missing"]
    weight = np.zeros(n)
    weight[streetwise.index.to_numpy()] = streetwise.to_numpy()
    in_streetwise = np.zeros(n, dtype=bool)
    in_streetwise[streetwise.index.to_numpy()] = True
    children = pd.DataFrame({"child": np.arange(n), "streetwise_missing": weight.astype("int64")})
    children["total_missing"] = blocks.groupby("child")["missing"].sum().reindex(children["child"]).fillna(0).to_numpy()
    children["frequent"] = blocks.groupby("child")["band"].max().reindex(children["child"]).fillna(0).to_numpy() >= 3

    sexes, sex_shares = list(SEX_SHARES), list(SEX_SHARES.values())
    codes, code_shares = list(ETHNICITY_SHARES), list(ETHNICITY_SHARES.values())
    sex = np.empty(n, dtype=object)
    ethnicity = np.empty(n, dtype=object)
    care = np.zeros(n, dtype=bool)
    for members in (np.flatnonzero(in_streetwise), np.flatnonzero(~in_streetwise)):
        sex[members] = rng.permutation(np.repeat(sexes, _quotas(len(members), sex_shares)))
        ethnicity[members] = rng.permutation(
            np.repeat(np.array(codes, dtype=object), _quotas(len(members), code_shares))
        )
        # children who go missing most are mostly in care, as in the report
        keyed = np.log1p(children["total_missing"].to_numpy()[members]) + rng.normal(0, 0.9, len(members))
        chosen = members[np.argsort(-keyed, kind="stable")[: round(CARE_SHARE * len(members))]]
        care[chosen] = True
    children["sex"] = sex
    children["ethnicity"] = ethnicity
    children["care"] = care
    placement = np.where(
        children["frequent"].to_numpy(),
        rng.choice(len(PLACEMENTS), n, p=PLACEMENT_SHARES_FREQUENT / PLACEMENT_SHARES_FREQUENT.sum()),
        rng.choice(len(PLACEMENTS), n, p=PLACEMENT_SHARES_OTHERS / PLACEMENT_SHARES_OTHERS.sum()),
    )
    children["placement_type"] = np.where(care, np.array(PLACEMENTS, dtype=object)[placement], None)
    # exploitation: mostly sexual for girls, criminal (county lines) for boys, more among frequent runaways
    female, frequent, draw = sex == "female", children["frequent"].to_numpy(), rng.random(n)
    children["cse_child"] = draw < np.where(female, np.where(frequent, 0.45, 0.18), 0.08)
    children["cce_child"] = (1 - draw) < np.where(female, 0.06, np.where(frequent, 0.45, 0.2))
    return children


def _district_targets(places: Places) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Districts (plus "OOA") with their target shares of episodes and of children."""
    counts = places.inside.groupby("district").size()
    counts = counts[counts >= 50]
    localities = places.inside.drop_duplicates("district").set_index("district")["locality"]
    names, episode_share = [], []
    for locality, share in LOCALITY_SHARES.items():
        if locality == "Out of area":
            names.append("OOA")
            episode_share.append(share)
            continue
        districts = [d for d in counts.index if localities[d] == locality]
        fixed = {d: v for d, v in DISTRICT_EPISODE_SHARES.items() if d in districts}
        rest = [d for d in districts if d not in fixed]
        weights = counts[rest].to_numpy(dtype="float64")
        names += list(fixed) + rest
        episode_share += list(fixed.values()) + list((share - sum(fixed.values())) * weights / weights.sum())
    episode_share = np.array(episode_share) / sum(episode_share)
    child_share = episode_share.copy()
    fixed = np.array([d in DISTRICT_CHILD_SHARES for d in names])
    child_share[fixed] = [DISTRICT_CHILD_SHARES[d] / 100 for d in np.array(names)[fixed]]
    child_share[~fixed] *= (1 - child_share[fixed].sum()) / child_share[~fixed].sum()
    return names, episode_share, child_share


def _assign_places(children: pd.DataFrame, blocks: pd.DataFrame, places: Places, rng: np.random.Generator) -> None:
    """Each child's district, greedily so both the districts' episode and child shares come out.

    Each district gets its quota of children; children are taken heaviest
    first and each goes to the district whose remaining places most need
    episodes. Only children in care can be placed out of area.
    """
    names, episode_share, child_share = _district_targets(places)
    ooa = names.index("OOA")
    district = np.empty(len(children), dtype=object)
    care = children["care"].to_numpy()
    in_streetwise = children["streetwise_missing"].to_numpy() > 0
    for members, weight in (
        (np.flatnonzero(in_streetwise), children["streetwise_missing"].to_numpy()),
        (np.flatnonzero(~in_streetwise), children["total_missing"].to_numpy()),
    ):
        if not len(members):
            continue
        order = members[np.lexsort((rng.random(len(members)), -weight[members]))]
        need = episode_share * weight[members].sum()
        slots = _quotas(len(members), child_share).astype("float64")
        for child in order:
            # the heaviest child left goes where each remaining place most needs episodes
            per_slot = np.where(slots > 0, need / np.maximum(slots, 1), -np.inf)
            if not care[child]:
                per_slot[ooa] = -np.inf
            if np.isinf(per_slot).all():
                per_slot = need.copy()
                per_slot[ooa] = -np.inf if not care[child] else per_slot[ooa]
            best = int(np.argmax(per_slot))
            need[best] -= weight[child]
            slots[best] -= 1
            district[child] = names[best]
    children["district"] = district
    children["out_of_area"] = district == "OOA"
    host = care & ~children["out_of_area"].to_numpy() & (rng.random(len(children)) < HOST_SHARE)
    children["placing_authority"] = np.where(
        host,
        np.array(PLACING_AUTHORITIES, dtype=object)[rng.integers(0, len(PLACING_AUTHORITIES), len(children))],
        None,
    )
    # an address in the district for children at home, in foster or kinship care
    children["from_postcode"] = _postcodes_in(district, places, rng)


def _postcodes_in(district: np.ndarray, places: Places, rng: np.random.Generator) -> np.ndarray:
    """A random directory postcode in each given district ("OOA": another council's B postcode)."""
    result = np.empty(len(district), dtype=object)
    for name in pd.unique(district):
        at = np.flatnonzero(district == name)
        pool = places.by_district[name]
        result[at] = pool[rng.integers(0, len(pool), len(at))]
    return result


def _establishments(children: pd.DataFrame, places: Places, rng: np.random.Generator) -> pd.DataFrame:
    """Children's homes and semi-independent units, about six children each, at most three a district."""
    names = [f"{word} {kind}" for kind, word in itertools.product(HOME_KINDS, HOME_WORDS)]
    names = list(np.array(names, dtype=object)[rng.permutation(len(names))])
    rows = []
    children["establishment_id"] = None
    for kind in ("residential", "semi_independent"):
        placed = children[children["placement_type"] == kind]
        for district, group in placed.groupby("district", sort=True):
            homes = min(3, max(1, int(np.ceil(len(group) / 6))))
            postcodes = _postcodes_in(np.full(homes, district, dtype=object), places, rng)
            ids = [f"EST{len(rows) + i + 1:03d}" for i in range(homes)]
            for i, postcode in enumerate(postcodes):
                name = names.pop() if names else f"Home {len(rows) + 1}"
                if kind == "semi_independent" and not name.endswith(SEMI_INDEPENDENT_KINDS):
                    name = name.rsplit(" ", 1)[0] + " Court"
                rows.append({"establishment_id": ids[i], "establishment_name": name, "postcode": postcode})
            which = rng.integers(0, homes, len(group))
            children.loc[group.index, "establishment_id"] = np.array(ids, dtype=object)[which]
            children.loc[group.index, "from_postcode"] = np.asarray(postcodes, dtype=object)[which]
    establishments = pd.DataFrame(rows, columns=["establishment_id", "establishment_name", "postcode"])
    # names must be unique so a hotspot table reads clearly
    duplicated = establishments["establishment_name"].duplicated(keep="first")
    establishments.loc[duplicated, "establishment_name"] += (
        " " + establishments.loc[duplicated, "establishment_id"].str[3:]
    )
    return establishments[["establishment_id", "establishment_name"]]


# --- episodes ----------------------------------------------------------------------------------


def _durations(n: int, shares: dict, rng: np.random.Generator) -> np.ndarray:
    """Hours missing drawn band by band (NaN = return time not known)."""
    bands = list(shares)
    which = rng.choice(len(bands), n, p=np.array(list(shares.values())) / sum(shares.values()))
    low = np.array([b[0] if b else np.nan for b in bands])[which]
    high = np.array([b[1] if b else np.nan for b in bands])[which]
    long = high >= 720
    hours = low + rng.random(n) * (high - low)
    # 7+ days: mostly a week or two
    hours[long] = 168 + rng.exponential(96, long.sum())
    # keep clear of band edges so minute rounding never moves an episode across one
    return np.clip(hours, low + 0.05, high - 0.05)


def _block_bounds(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts = np.array([np.datetime64(s, "s") for s, _ in BLOCKS])
    hours = np.array([((e - s).days + 1) * 24.0 for s, e in BLOCKS])
    return starts[block], hours[block]


def _missing_episodes(blocks: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each child's missing episodes spread over its block, one after another."""
    count = blocks["missing"].to_numpy()
    group = np.repeat(np.arange(len(blocks)), count)
    n = len(group)
    hours = _durations(n, DURATION_SHARES, rng)
    spacing = np.where(np.isnan(hours), 12.0, hours)
    start, length = _block_bounds(blocks["block"].to_numpy())
    gap = rng.exponential(1.0, n)
    gap_total = np.bincount(group, gap, len(blocks)) + rng.exponential(1.0, len(blocks))
    busy = np.bincount(group, spacing, len(blocks))
    free = np.maximum(length - busy, 0)
    scale = length / np.maximum(busy + free, length)
    before = _group_cumsum(gap, count) * (free / gap_total)[group] + (_group_cumsum(spacing, count) - spacing)
    offset = before * scale[group]
    return pd.DataFrame(
        {
            "child": blocks["child"].to_numpy()[group],
            "category": "missing",
            "reported_at": start[group] + (offset * 3600).astype("int64").astype("timedelta64[s]"),
            "hours": hours,
        }
    )


def _group_cumsum(values: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Running sum within consecutive groups of the given sizes."""
    running = np.cumsum(values)
    before_group = np.concatenate([[0.0], running])[np.cumsum(count) - count]
    return running - np.repeat(before_group, count)


def _other_episodes(blocks: pd.DataFrame, children: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Absent and away episodes for the same children, more for those often missing."""
    if n <= 0 or not len(blocks):
        return pd.DataFrame(columns=["child", "category", "reported_at", "hours"])
    care = children["care"].to_numpy()[blocks["child"].to_numpy()]
    weight = blocks["missing"].to_numpy() + 0.5
    away = round(n * 0.3) if care.any() else 0
    parts = []
    for category, size, chances, shares in (
        ("absent", n - away, weight, ABSENT_DURATION_SHARES),
        ("away", away, weight * care, AWAY_DURATION_SHARES),
    ):
        if size == 0:
            continue
        row = rng.choice(len(blocks), size, p=chances / chances.sum())
        start, length = _block_bounds(blocks["block"].to_numpy()[row])
        offset = rng.random(size) * (length - 1 / 60)
        parts.append(
            pd.DataFrame(
                {
                    "child": blocks["child"].to_numpy()[row],
                    "category": category,
                    "reported_at": start + (offset * 3600).astype("int64").astype("timedelta64[s]"),
                    "hours": _durations(size, shares, rng),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _new_residents(others: pd.DataFrame, children: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Move a share of the away episodes to the residents of one children's home, from
    NEW_RESIDENTS_FROM to the last day: monthly episodes from care rise and stay up (a shift).
    Only away episodes move, so the missing episodes of section 7 are untouched."""
    homes = children.loc[children["care"] & (children["placement_type"] == "residential"), "establishment_id"]
    sizes = homes.dropna().value_counts()
    away = np.flatnonzero((others["category"] == "away").to_numpy())
    if sizes.empty or len(away) < 20:
        return others
    home = min(sizes.index[sizes == sizes.max()])
    residents = np.flatnonzero((children["establishment_id"] == home).to_numpy())
    moved = rng.choice(away, round(len(away) * NEW_RESIDENTS_SHARE), replace=False)
    first, after = np.datetime64(NEW_RESIDENTS_FROM, "s"), np.datetime64(LAST_DAY, "s") + np.timedelta64(1, "D")
    seconds = (rng.random(len(moved)) * ((after - first) / np.timedelta64(1, "s") - 86_400)).astype("int64")
    others = others.copy()
    others.loc[moved, "reported_at"] = first + seconds.astype("timedelta64[s]")
    others.loc[moved, "child"] = rng.choice(residents, len(moved))
    return others


def _episode_rows(blocks: pd.DataFrame, children: pd.DataFrame, total: int, rng: np.random.Generator) -> pd.DataFrame:
    """Exactly `total` episodes: the designed missing ones, then absent and away to fill up."""
    missing = _missing_episodes(blocks, rng)
    if len(missing) > total:  # only for very small samples
        missing = missing.iloc[np.sort(rng.choice(len(missing), total, replace=False))]
    others = _new_residents(_other_episodes(blocks, children, total - len(missing), rng), children, rng)
    frame = pd.concat([missing, others], ignore_index=True)
    frame["reported_at"] = pd.to_datetime(frame["reported_at"]).dt.floor("min")
    frame["returned_at"] = (frame["reported_at"] + pd.to_timedelta(frame["hours"], unit="h")).dt.floor("min")
    frame = frame.sort_values(["reported_at", "child"], kind="stable", ignore_index=True)
    child = children.iloc[frame["child"].to_numpy()].reset_index(drop=True)
    for column in (
        "sex",
        "ethnicity",
        "placement_type",
        "placing_authority",
        "establishment_id",
        "from_postcode",
        "cse_child",
        "cce_child",
    ):
        frame[column] = child[column].to_numpy()
    frame["missing_from"] = np.where(child["care"].to_numpy(), "care", "home")
    frame["out_of_area"] = child["out_of_area"].to_numpy()
    frame["district"] = child["district"].to_numpy()
    return frame


def _found_postcodes(frame: pd.DataFrame, places: Places, rng: np.random.Generator) -> pd.DataFrame:
    """A found postcode at a distance from the from postcode drawn from each category's bands."""
    n = len(frame)
    band = np.full(n, len(DISTANCE_SHARES) - 1)
    for category, shares in (
        ("missing", DISTANCE_SHARES),
        ("absent", ABSENT_DISTANCE_SHARES),
        ("away", AWAY_DISTANCE_SHARES),
    ):
        at = np.flatnonzero(frame["category"].to_numpy() == category)
        band[at] = rng.choice(len(shares), len(at), p=shares / shares.sum())
    every_e, every_n = places.every["easting"].to_numpy(), places.every["northing"].to_numpy()
    origin = places.position.get_indexer(frame["from_postcode"].to_numpy(dtype=object))
    from_e = np.where(origin >= 0, every_e[origin], np.nan)
    from_n = np.where(origin >= 0, every_n[origin], np.nan)
    found = np.full(n, -1, dtype="int64")
    near_rows = np.arange(len(places.near))  # `every` starts with the near areas
    for b in range(len(DISTANCE_EDGES) - 1):
        low, high = DISTANCE_EDGES[b] + 0.01, DISTANCE_EDGES[b + 1] - 0.01
        pool = near_rows if b < 3 else np.arange(len(places.every))
        todo = np.flatnonzero((band == b) & ~np.isnan(from_e))
        for _ in range(60):
            if not len(todo):
                break
            candidates = pool[rng.integers(0, len(pool), (len(todo), 16))]
            miles = (
                np.hypot(every_e[candidates] - from_e[todo, None], every_n[candidates] - from_n[todo, None])
                / METRES_PER_MILE
            )
            fits = (miles >= low) & (miles < high)
            hit = fits.any(axis=1)
            found[todo[hit]] = candidates[hit, fits[hit].argmax(axis=1)]
            todo = todo[~hit]
    frame["found_postcode"] = np.where(found >= 0, places.every["postcode"].to_numpy()[np.maximum(found, 0)], None)
    return frame


def _follow_up(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Police risk, RAG, safe and well checks, return interviews, strategy meetings, CSE/CCE."""
    n = len(frame)
    category = frame["category"].to_numpy()
    missing, absent = category == "missing", category == "absent"
    care = frame["missing_from"].to_numpy() == "care"
    returned = frame["returned_at"].notna().to_numpy()
    reported = frame["reported_at"].to_numpy()
    back = frame["returned_at"].to_numpy()

    def hours(values) -> np.ndarray:
        return (np.asarray(values) * 3600).astype("int64").astype("timedelta64[s]")

    risks = np.array(["no_apparent_risk", "low", "medium", "high"], dtype=object)
    frame["police_risk"] = np.select(
        [missing, absent],
        [risks[rng.choice(4, n, p=[0, 0.25, 0.63, 0.12])], risks[rng.choice(4, n, p=[0.92, 0.08, 0, 0])]],
        None,
    )
    rags = np.array(["red", "amber", "green"], dtype=object)
    rag = np.where(care, rags[rng.choice(3, n, p=[0.855, 0.07, 0.075])], rags[rng.choice(3, n, p=[0.59, 0.26, 0.15])])
    frame["rag"] = np.where(missing | absent, rag, None)

    check = rng.random(n)
    delay = np.where(check < 0.84, 0.5 + rng.random(n) * 23, 24.5 + rng.random(n) * 48)
    has_check = missing & returned & (check < 0.95)
    frame["safe_and_well_at"] = pd.Series(
        np.where(has_check, back + hours(np.where(has_check, delay, 0)), np.datetime64("NaT"))
    )

    # Return interviews: offered to most red, some amber, never green (a letter instead);
    # fewer offered January to April 2015, when the service lost staff.
    eligible = (missing | absent) & returned
    squeezed = (reported >= np.datetime64("2015-01-01")) & (reported < np.datetime64("2015-05-01"))
    offer_chance = np.select([rag == "red", rag == "amber"], [np.where(squeezed, 0.6, 0.88), 0.45], 0.0)
    offer_chance = np.where(absent, offer_chance * 0.5, offer_chance)
    offered = eligible & (rng.random(n) < offer_chance)
    offer_delay = np.where(rng.random(n) < 0.78, 1 + rng.random(n) * 71, 72.5 + rng.random(n) * 170)
    offered_at = back + hours(np.where(offered, offer_delay, 0))
    outcomes = np.array(["completed", "declined", "unable_to_contact", "missing_again", "pending"], dtype=object)
    outcome = np.where(offered, outcomes[rng.choice(5, n, p=[0.65, 0.24, 0.05, 0.03, 0.03])], None)
    outcome = np.where(eligible & ~offered & (rng.random(n) < 0.9), "not_offered", outcome)
    completed = outcome == "completed"
    completed_at = offered_at + hours(np.where(completed, rng.gamma(1.5, 24, n), 0))
    frame["rhi_offered_at"] = pd.Series(np.where(offered, offered_at, np.datetime64("NaT")))
    frame["rhi_outcome"] = outcome
    frame["rhi_completed_at"] = pd.Series(np.where(completed, completed_at, np.datetime64("NaT")))
    frame["rhi_completed_at_date_only"] = completed & (rng.random(n) < 0.1)

    # Strategy meetings for missing episodes over 72 hours: most on time, some late, some never.
    long = missing & (~returned | (frame["hours"].to_numpy() > 72))
    meeting = rng.random(n)
    meeting_delay = np.where(meeting < 0.7, 6 + rng.random(n) * 90, 190 + rng.random(n) * 170)
    has_meeting = long & (meeting < 0.85)
    frame["strategy_meeting_at"] = pd.Series(
        np.where(has_meeting, reported + hours(72 + np.where(has_meeting, meeting_delay, 0)), np.datetime64("NaT"))
    )
    frame["strategy_meeting_at_date_only"] = has_meeting & (rng.random(n) < 0.5)

    # Exploitation concerns belong to the child, recorded on most of their episodes.
    recorded = rng.random(n) < 0.88
    frame["cse_concern"] = frame["cse_child"].to_numpy(dtype=bool) & recorded
    frame["cce_concern"] = frame["cce_child"].to_numpy(dtype=bool) & recorded
    return frame


def _joined(chosen: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Each row's chosen values `;`-joined in vocabulary (dict) order; None where none is chosen."""
    names = list(chosen)
    matrix = np.column_stack([chosen[name] for name in names]) if names else np.zeros((n, 0), dtype=bool)
    return np.array([MULTI_VALUE_SEPARATOR.join(np.array(names)[row]) or None for row in matrix], dtype=object)


def _interview_content(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """What completed return interviews recorded (domain.md section 11), in plausible proportions:
    mostly held by the independent provider; CSE disclosed in about one in eight, more from
    residential homes and by children already of concern; late reasons only where late."""
    n = len(frame)
    completed = frame["rhi_outcome"].to_numpy() == "completed"
    care = frame["missing_from"].to_numpy() == "care"
    residential = frame["placement_type"].to_numpy() == "residential"
    cse_child, cce_child = frame["cse_child"].to_numpy(dtype=bool), frame["cce_child"].to_numpy(dtype=bool)

    def drawn(chance) -> np.ndarray:
        return completed & (rng.random(n) < chance)

    who = rng.choice(5, n, p=[0.8, 0.08, 0.06, 0.02, 0.04])
    conducted = {name: completed & (who == i) for i, name in enumerate(MULTI_VALUE_VOCABULARIES["rhi_conducted_by"])}
    conducted["social_worker"] |= drawn(0.03)  # now and then held jointly
    # Late: not certainly within 72 hours of return (a date-only interview may have been at 24:00).
    returned = pd.to_datetime(frame["returned_at"])
    held = pd.to_datetime(frame["rhi_completed_at"])
    latest = held.where(
        ~frame["rhi_completed_at_date_only"].to_numpy(dtype=bool), held.dt.normalize() + pd.Timedelta(days=1)
    )
    late = completed & ((latest - returned) > pd.Timedelta(hours=72)).to_numpy()
    why = rng.choice(6, n, p=[0.2, 0.35, 0.1, 0.2, 0.1, 0.05])
    late_reasons = {
        name: late & (why == i) & (rng.random(n) < 0.9)
        for i, name in enumerate(MULTI_VALUE_VOCABULARIES["rhi_late_reason"])
    }
    told = drawn(0.88)  # the rest record no push or pull factors
    push = {
        "family_conflict": told & (rng.random(n) < np.where(care, 0.18, 0.5)),
        "neglect_abuse": told & (rng.random(n) < 0.08),
        "placement_unhappy": told & care & (rng.random(n) < 0.38),
        "school": told & (rng.random(n) < 0.15),
        "bullying": told & (rng.random(n) < 0.07),
        "mental_health": told & (rng.random(n) < 0.14),
        "substance_misuse": told & (rng.random(n) < 0.09),
        "other": told & (rng.random(n) < 0.06),
    }
    pull = {
        "friends_peers": told & (rng.random(n) < 0.52),
        "boyfriend_girlfriend": told & (rng.random(n) < np.where(cse_child, 0.35, 0.15)),
        "family": told & (rng.random(n) < np.where(care, 0.25, 0.08)),
        "parties_adults": told & (rng.random(n) < np.where(cse_child, 0.3, 0.07)),
        "drugs": told & (rng.random(n) < np.where(cce_child, 0.3, 0.05)),
        "other": told & (rng.random(n) < 0.04),
    }
    asked = drawn(0.93)
    disclosed = {
        "cse": asked & (rng.random(n) < 0.05 + 0.1 * residential + 0.15 * cse_child),
        "cce_county_lines": asked & (rng.random(n) < 0.03 + 0.25 * cce_child),
        "trafficking": asked & (rng.random(n) < 0.01 + 0.02 * cse_child),
        "self_harm": asked & (rng.random(n) < 0.07),
        "sexual_assault": asked & (rng.random(n) < 0.02 + 0.03 * cse_child),
        "physical_harm": asked & (rng.random(n) < 0.05),
        "substance_misuse": asked & (rng.random(n) < 0.1),
        "criminal_activity": asked & (rng.random(n) < 0.03 + 0.1 * cce_child),
    }
    any_disclosure = np.logical_or.reduce(list(disclosed.values()))
    disclosed["none"] = asked & ~any_disclosure
    exploited = disclosed["cse"] | disclosed["cce_county_lines"] | disclosed["trafficking"]
    acted = drawn(0.95)
    follow = {
        "mash_referral": acted & any_disclosure & (rng.random(n) < np.where(exploited, 0.6, 0.2)),
        "safety_plan_updated": acted & (rng.random(n) < np.where(any_disclosure, 0.6, 0.3)),
        "police_intelligence": acted & exploited & (rng.random(n) < 0.7),
        "strategy_meeting": acted & exploited & (rng.random(n) < 0.3),
        "support_service": acted & (rng.random(n) < np.where(any_disclosure, 0.35, 0.2)),
    }
    follow["none"] = acted & ~np.logical_or.reduce(list(follow.values()))
    for column, chosen in (
        ("rhi_conducted_by", conducted),
        ("rhi_late_reason", late_reasons),
        ("push_factors", push),
        ("pull_factors", pull),
        ("disclosures", disclosed),
        ("follow_up", follow),
    ):
        frame[column] = _joined(chosen, n)
    return frame


def _finish(frame: pd.DataFrame, children: pd.DataFrame, establishments: pd.DataFrame, rng) -> Sample:
    """Pseudonymous ids, dates of birth, canonical column order and date-only flags."""
    # children numbered in order of their first episode
    first = frame.groupby("child")["reported_at"].min().sort_values(kind="stable")
    width = max(5, len(str(len(first))))
    child_ids = pd.Series([f"C{i + 1:0{width}d}" for i in range(len(first))], index=first.index)
    frame["child_id"] = child_ids.reindex(frame["child"]).to_numpy()
    width = max(7, len(str(len(frame))))
    frame["episode_id"] = [f"E{i + 1:0{width}d}" for i in range(len(frame))]

    # born so that the child is 11 to 17 at their last episode: always under 18
    last = frame.groupby("child")["reported_at"].max().reindex(first.index)
    age_years = rng.choice(np.arange(11, 18), len(last), p=[0.01, 0.03, 0.06, 0.13, 0.2, 0.27, 0.3])
    age_days = np.minimum((age_years + rng.random(len(last))) * 365.25, 18 * 365 - 5).astype("int64")
    born = (last.dt.normalize() - pd.to_timedelta(age_days, unit="D")).dt.normalize()
    frame["date_of_birth"] = born.reindex(frame["child"]).to_numpy()

    names = establishments.set_index("establishment_id")["establishment_name"]
    frame["establishment_name"] = frame["establishment_id"].map(names)
    for column in DATETIME_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]").dt.floor("min")
        flag = f"{column}_date_only"
        frame[flag] = frame[flag].to_numpy(dtype=bool) if flag in frame else False
        frame.loc[frame[flag], column] = frame.loc[frame[flag], column].dt.normalize()
    for column in ("out_of_area", "cse_concern", "cce_concern"):
        frame[column] = frame[column].astype("boolean")
    episodes = frame[list(CANONICAL_COLUMNS) + [f"{c}_date_only" for c in DATETIME_COLUMNS]].reset_index(drop=True)

    kids = children.loc[first.index, ["sex", "ethnicity"]].copy()
    kids.insert(0, "child_id", child_ids.to_numpy())
    kids["date_of_birth"] = [d.date() for d in born]
    used = establishments[establishments["establishment_id"].isin(set(children["establishment_id"].dropna()))]
    return Sample(
        episodes,
        kids.reset_index(drop=True)[["child_id", "sex", "date_of_birth", "ethnicity"]],
        used.reset_index(drop=True),
    )
