"""The DfE SSDA903 looked-after children return, read into canonical episodes.

A council already sends the DfE its missing table (one row per period a
looked-after child was missing or away from placement), with the header
table (the child's sex, date of birth, ethnicity) and the episodes table
(placements: when each began and ended, its type, postcode and URN). The
tables arrive as CSV files, recognised by their columns, or as the XML
return (`EXPSSDA903/CHILD/HEADER/AMISSING`, `CHILD/EPISODE`).

Each missing period becomes a `care` episode: MISSING `M` is `missing`,
`A` is `away`; MIS_START and MIS_END are date-only; the placement in force
on MIS_START gives the postcode missing from (PL_POST), the establishment
(URN) and the placement type (PLACE, by the DfE code meanings below). The
episode_id is built from the child and the start date (`-2`, `-3` for a
child's later periods starting that day), so importing the return again
updates rather than duplicates. Every date of every table must be
DD/MM/YYYY: any other (a two-digit year, 31/02) is an error, never read as
blank (a blank DEC would keep an ended placement in force). The 903
validator's own rules on the missing table (end before start: error; start
before birth: error; overlapping periods: warning) are reported at the
file, row and column of the return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from loaders import canonical
from loaders.frames import ERROR, WARNING, Message, Origins, Prepared, Unreadable
from loaders.rules import Finding, Rules, where, whole

# The columns that identify each table (the DfE specification's names).
TABLES = {
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
}
# Other tables of the return a council may hand over with these: read nothing from them.
OTHER_TABLE_KEYS = ("REVIEW", "DATE_UASC_CEASED", "SDQ_SCORE", "IN_TOUCH", "DATE_PLACED", "PREV_PERM", "DATE_INT")

CATEGORIES = {"M": "missing", "A": "away"}
# SEX is 1 (male) or 2 (female) in the return; some systems write M, F, U. U (not known) stays blank.
SEXES = {"1": "male", "2": "female", "M": "male", "F": "female", "U": None}

# Placement codes (DfE SSDA903 guidance, the validator's code list for 2022-23 to 2025-26):
# U1-U3 foster with relative or friend -> kinship; U4-U6 other foster -> foster;
# K1 secure children's home, K2 children's home -> residential;
# H5 semi-independent living, P2 independent living, K3 supported accommodation -> semi_independent;
# the rest (A3-A6 placed for adoption, P1 with parents, P3 residential employment, R1-R5 care
# homes, NHS, family centres, young offender institutions, S1 residential schools, T0-T4
# temporary, Z1 and Z11-Z14 other placements) -> other.
PLACEMENT_TYPES = {
    **dict.fromkeys(("U1", "U2", "U3"), "kinship"),
    **dict.fromkeys(("U4", "U5", "U6"), "foster"),
    **dict.fromkeys(("K1", "K2"), "residential"),
    **dict.fromkeys(("H5", "P2", "K3"), "semi_independent"),
}
# Every code of that list; another (a typo, a retired code) is not read as `other` but left blank, with a warning.
PLACEMENT_CODES = frozenset(
    [
        "A3",
        "A4",
        "A5",
        "A6",
        "H5",
        "K1",
        "K2",
        "K3",
        "P1",
        "P2",
        "P3",
        "R1",
        "R2",
        "R3",
        "R4",
        "R5",
        "S1",
        "T0",
        "T1",
        "T2",
        "T3",
        "T4",
        "U1",
        "U2",
        "U3",
        "U4",
        "U5",
        "U6",
        "Z1",
        "Z11",
        "Z12",
        "Z13",
        "Z14",
    ]
)
NO_URN = "XXXXXXX"  # the return's value for a placement without an Ofsted URN
DATE_FORMAT = "%d/%m/%Y"
DATE_PATTERN = r"\d{2}/\d{2}/\d{4}"  # DD/MM/YYYY exactly: `to_datetime` alone takes 1/3/2015 too
DATE_HINT = "(expected DD/MM/YYYY)"
# The date columns of each table (lower case), every one checked.
DATE_COLUMNS = {"missing": ("dob", "mis_start", "mis_end"), "header": ("dob",), "episodes": ("decom", "dec")}

# The canonical column each 903 column fills, for naming the 903 column in messages.
MISSING_COLUMNS = {
    "child_id": "CHILD",
    "category": "MISSING",
    "reported_at": "MIS_START",
    "returned_at": "MIS_END",
    "episode_id": "MIS_START",
    "missing_from": "MISSING",
    "date_of_birth": "DOB",
}


@dataclass
class Table:
    """One 903 table as text cells (lower-case column names), index = spreadsheet row or XML record number."""

    kind: str
    file: str
    cells: pd.DataFrame
    names: dict[str, str] = field(default_factory=dict)  # lower-case column -> name as the file writes it
    # Its date columns to check; the XML missing table's DOB is a copy of the header's, checked there.
    date_columns: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.date_columns is None:
            self.date_columns = DATE_COLUMNS[self.kind]

    def name_of(self, column: str) -> str:
        return self.names.get(column, column.upper())


# ---- reading the tables -------------------------------------------------------------------------


def table_kind(columns: Iterable[str]) -> str | None:
    """Which 903 table a header is: the one whose every column it has (names are case-insensitive)."""
    present = {str(c).strip().upper() for c in columns}
    for kind, needed in TABLES.items():
        if set(needed) <= present:
            return kind
    return None


def read_csv_table(path: Path, name: str) -> Table | Message:
    """A CSV (or XLSX) 903 table, or a message saying why it is not one."""
    try:
        cells = canonical.read_table(path)
    except canonical.UnreadableFile as error:
        return Message(name, None, None, ERROR, f"cannot read file: {error}")
    kind = table_kind(cells.columns)
    if kind is None:
        known = ", ".join(sorted(TABLES))
        return Message(name, None, None, WARNING, f"not an SSDA903 {known} table (its columns do not match): ignored")
    return Table(kind, name, cells)


def read_xml(path: Path, name: str) -> list[Table]:
    """The XML return as the three tables; rows are numbered by record (the n-th AMISSING, EPISODE, HEADER)."""
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError) as error:
        raise Unreadable([Message(name, None, None, ERROR, f"cannot read XML: {error}")]) from None
    if root.tag != "EXPSSDA903":
        raise Unreadable([Message(name, None, None, ERROR, f"not an SSDA903 return (root element {root.tag})")])

    def text(element, tag):
        found = element.find(tag) if element is not None else None
        value = (found.text or "").strip() if found is not None and found.text else ""
        return value or None

    headers, missing, episodes = [], [], []
    for child in root.iter("CHILD"):
        header = child.find("HEADER")
        child_id = text(header, "CHILDID") or text(header, "CHILD")
        headers.append({"child": child_id, **{c: text(header, c.upper()) for c in ("sex", "dob", "ethnic")}})
        for period in child.iter("AMISSING"):
            missing.append(
                {
                    "child": child_id,
                    "dob": text(header, "DOB"),
                    **{c: text(period, c.upper()) for c in ("missing", "mis_start", "mis_end")},
                }
            )
        for placement in child.iter("EPISODE"):
            row = {c: text(placement, c.upper()) for c in ("decom", "dec", "pl_post", "urn")}
            episodes.append({"child": child_id, "place": text(placement, "PL") or text(placement, "PLACE"), **row})

    def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
        cells = pd.DataFrame(rows, columns=columns, dtype=object)
        cells.index = pd.RangeIndex(1, len(cells) + 1, name="row")
        return cells

    names = {"child": "CHILDID", "place": "PL"}
    return [
        Table(
            "missing",
            name,
            frame(missing, ["child", "dob", "missing", "mis_start", "mis_end"]),
            dict(names),
            date_columns=("mis_start", "mis_end"),
        ),
        Table("header", name, frame(headers, ["child", "sex", "dob", "ethnic"]), dict(names)),
        Table("episodes", name, frame(episodes, ["child", "decom", "dec", "place", "pl_post", "urn"]), dict(names)),
    ]


def read_tables(paths: list[Path], names: list[str]) -> tuple[dict[str, Table], list[Message]]:
    """Every file given, sorted into the missing, header and episodes tables."""
    tables: dict[str, Table] = {}
    messages: list[Message] = []
    for path, name in zip(paths, names, strict=True):
        found = read_xml(path, name) if path.suffix.lower() == ".xml" else [read_csv_table(path, name)]
        for table in found:
            if isinstance(table, Message):
                messages.append(table)
            elif table.kind in tables:
                messages.append(
                    Message(name, None, None, ERROR, f"a second {table.kind} table (first: {tables[table.kind].file})")
                )
            else:
                tables[table.kind] = table
    if any(m.severity == ERROR and m.row is None and m.text.startswith("cannot read") for m in messages):
        raise Unreadable(messages)
    if "missing" not in tables:
        raise Unreadable(
            [
                *messages,
                Message(
                    names[0],
                    None,
                    None,
                    ERROR,
                    "no SSDA903 missing table (CHILD, DOB, MISSING, MIS_START, MIS_END) among the files",
                ),
            ]
        )
    return tables, messages


# ---- the return's own rules on the missing table -----------------------------------------------

RULES = Rules("ssda903")
rule = RULES.rule


def dates(text: pd.Series) -> pd.Series:
    """DD/MM/YYYY cells as dates; any other cell is NaT here and an error of `unreadable_date`."""
    exact = text.where(text.astype(object).str.fullmatch(DATE_PATTERN).fillna(False).astype(bool))
    return pd.to_datetime(exact, format=DATE_FORMAT, errors="coerce")


@rule(ERROR, ("MIS_START", "MIS_END", "DOB", "DECOM", "DEC"), f"unparseable date '{{value}}' {DATE_HINT}")
def unreadable_date(tables: dict[str, Table], placed: pd.DataFrame) -> Iterable[Finding]:
    """Every date of every table must read as DD/MM/YYYY, or the file is refused.

    Read as blank, a DEC of 25/05/19 would keep an ended placement in force
    (the wrong home, postcode and type) and a DECOM of 31/02/2015 would leave
    the child unplaced. (The canonical checks say the same of MIS_START,
    MIS_END and DOB; the same message twice is shown once.)
    """
    for table in tables.values():
        for column in table.date_columns or ():
            cells = table.cells[column]
            yield from where(cells.notna() & dates(cells).isna(), table.name_of(column), table.file, value=cells)


@rule(WARNING, ("CHILD",), "no SSDA903 {kind} table ({columns}) among the files: {what}")
def table_not_given(tables: dict[str, Table], placed: pd.DataFrame) -> Iterable[Finding]:
    """Without the header table every child's sex and ethnicity is blank; without the episodes table,
    every placement."""
    left_blank = {
        "header": "every child's sex and ethnicity left blank (date of birth from the missing table)",
        "episodes": "every period's placement postcode, establishment and placement type left blank",
    }
    for kind, what in left_blank.items():
        if kind not in tables:
            yield whole(None, tables["missing"].file, kind=kind, columns=", ".join(TABLES[kind]), what=what)


@rule(WARNING, ("MIS_START", "MIS_END"), "CHILD {child} period from {start} overlaps the one at row {row}, which {end}")
def overlapping_periods(tables: dict[str, Table], placed: pd.DataFrame) -> Iterable[Finding]:
    """Periods of one child should not overlap, nor start while the previous is open (903 rule 574)."""
    missing = tables["missing"]
    cells = missing.cells
    periods = pd.DataFrame(
        {"child": cells["child"], "start": dates(cells["mis_start"]), "end": dates(cells["mis_end"])}
    )
    periods = periods.dropna(subset=["child", "start"]).sort_values(["child", "start"], kind="stable")
    previous = periods.groupby("child").shift(1)
    previous_row = pd.Series(periods.index, index=periods.index).groupby(periods["child"]).shift(1)
    overlaps = previous_row.notna() & (previous["end"].isna() | (periods["start"] < previous["end"]))
    if not overlaps.any():
        return
    row = previous_row[overlaps].astype(int)
    end = pd.Series("is still open", index=row.index, dtype=object)
    ended = previous.loc[row.index, "end"].notna()
    end[ended] = "ends " + cells.loc[row[ended].to_numpy(), "mis_end"].set_axis(row.index[ended]).astype(object)
    yield from where(
        overlaps,
        missing.name_of("mis_start"),
        missing.file,
        child=periods["child"],
        start=cells["mis_start"],
        row=row,
        end=end,
    )


@rule(WARNING, ("CHILD",), "CHILD {child} is not in the header table: sex and ethnicity not known")
def child_not_in_header(tables: dict[str, Table], placed: pd.DataFrame) -> Iterable[Finding]:
    """Child details come from the header table; a child missing there keeps only the missing table's DOB."""
    if "header" not in tables:
        return []
    missing = tables["missing"]
    child = missing.cells["child"]
    absent = child.notna() & ~child.isin(tables["header"].cells["child"])
    return where(absent, missing.name_of("child"), missing.file, child=child)


@rule(
    WARNING,
    ("CHILD",),
    "CHILD {child} has other details at header row {row}, which are used: this row's SEX, DOB and ETHNIC are not",
)
def header_repeats_child(tables: dict[str, Table], placed: pd.DataFrame) -> Iterable[Finding]:
    """A child's details come from its last header row; an earlier one that differs is named, not dropped unsaid."""
    if "header" not in tables:
        return []
    header = tables["header"]
    details = header.cells[["child", "sex", "dob", "ethnic"]].dropna(subset=["child"]).fillna("")
    rows = pd.Series(details.index, index=details.index)
    last_row = rows.groupby(details["child"]).transform("last")
    last = details.loc[last_row.to_numpy()].set_axis(details.index)
    differs = (details != last).any(axis=1)
    return where(differs, header.name_of("child"), header.file, child=details["child"], row=last_row)


@rule(WARNING, ("DOB",), "DOB '{value}' differs from the header table's '{header_dob}'")
def dob_differs_from_header(tables: dict[str, Table], placed: pd.DataFrame) -> Iterable[Finding]:
    """The missing table repeats the child's DOB; the header table's is kept when they differ."""
    if "header" not in tables:
        return []
    missing = tables["missing"]
    header_dob = tables["header"].cells.drop_duplicates("child").set_index("child")["dob"]
    theirs = missing.cells["child"].map(header_dob)
    dob = missing.cells["dob"]
    differs = dob.notna() & theirs.notna() & dob.ne(theirs)
    return where(differs, missing.name_of("dob"), missing.file, value=dob, header_dob=theirs)


@rule(
    WARNING,
    ("MIS_START",),
    "CHILD {child}: no placement in the episodes table in force on {start}: "
    "placement postcode, establishment and type left blank",
)
def no_placement_in_force(tables: dict[str, Table], placed: pd.DataFrame) -> Iterable[Finding]:
    """The placement gives the postcode, establishment and type; without one they stay blank."""
    if "episodes" not in tables:
        return []
    missing = tables["missing"]
    cells = missing.cells
    unplaced = dates(cells["mis_start"]).notna() & placed["episode_row"].isna()
    return where(unplaced, missing.name_of("mis_start"), missing.file, child=cells["child"], start=cells["mis_start"])


@rule(WARNING, ("PLACE",), "{column} '{value}' is not an SSDA903 placement code: placement type left blank")
def unknown_placement_code(tables: dict[str, Table], placed: pd.DataFrame) -> Iterable[Finding]:
    """A code outside the DfE list says nothing of the placement: blank, not `other`, and said so."""
    if "episodes" not in tables:
        return []
    episodes = tables["episodes"]
    codes = episodes.cells["place"]
    unknown = codes.notna() & ~codes.str.upper().isin(PLACEMENT_CODES)
    column = episodes.name_of("place")
    return where(unknown, column, episodes.file, column=column, value=codes)


@rule(WARNING, ("PL_POST",), "PL_POST '{value}' is not a UK postcode: left blank")
def malformed_placement_postcode(tables: dict[str, Table], placed: pd.DataFrame) -> Iterable[Finding]:
    """Test returns carry made-up postcodes; one without a postcode's shape is dropped, not refused."""
    if "episodes" not in tables:
        return []
    episodes = tables["episodes"]
    bad = placed[placed["pl_post"].notna() & ~placed["postcode_ok"]].drop_duplicates("episode_row")
    postcodes = pd.Series(bad["pl_post"].to_numpy(), index=bad["episode_row"].astype(int).to_numpy())
    return where(postcodes.notna(), episodes.name_of("pl_post"), episodes.file, value=postcodes)


# ---- mapping to canonical episodes -------------------------------------------------------------


def placements_in_force(tables: dict[str, Table]) -> pd.DataFrame:
    """For each missing row, the placement in force on MIS_START: DECOM on or before it, DEC blank or on/after it.

    Where several qualify (a placement ending the day the next begins) the latest DECOM wins.
    """
    missing = tables["missing"].cells
    columns = ["episode_row", "place", "pl_post", "urn"]
    if "episodes" not in tables:
        return pd.DataFrame(columns=[*columns, "postcode_ok"], index=missing.index, dtype=object).assign(
            postcode_ok=False
        )
    placements = tables["episodes"].cells
    placements = pd.DataFrame(
        {
            "child": placements["child"],
            "decom": dates(placements["decom"]),
            "dec": dates(placements["dec"]),
            "place": placements["place"],
            "pl_post": placements["pl_post"],
            "urn": placements["urn"],
            "episode_row": placements.index,
        }
    )
    periods = pd.DataFrame({"child": missing["child"], "start": dates(missing["mis_start"]), "row": missing.index})
    pairs = periods.merge(placements, on="child")
    in_force = (pairs["decom"] <= pairs["start"]) & (pairs["dec"].isna() | (pairs["dec"] >= pairs["start"]))
    chosen = (
        pairs[in_force]
        .sort_values(["row", "decom", "episode_row"])
        .drop_duplicates("row", keep="last")
        .set_index("row")
    )
    placed = chosen.reindex(missing.index)[columns]
    postcodes = canonical.normalise_postcodes(placed["pl_post"].astype(object))
    placed["postcode_ok"] = canonical.well_formed_postcodes(postcodes)
    placed["pl_post"] = postcodes
    return placed


def same_day_number(child: pd.Series, day: pd.Series, end: pd.Series) -> pd.Series:
    """The episode_id's ending for a child's periods starting the same day: '' for the first, then '-2', '-3'.

    Ordered by MIS_END (open last), then by row, so the same return always
    gives each period the same id (domain.md section 3).
    """
    periods = pd.DataFrame({"child": child, "day": day, "end": end, "position": range(len(child))}, index=child.index)
    ordered = periods.sort_values(["child", "day", "end", "position"], na_position="last", kind="stable")
    number = ordered.groupby(["child", "day"], dropna=False).cumcount().reindex(child.index) + 1
    return number.map(lambda n: "" if n == 1 else f"-{n}")


def _origin(table: Table, rows: pd.Series, column: str) -> pd.DataFrame:
    """Where a canonical column's cells came from: this table's file, these rows, this column."""
    return pd.DataFrame({"file": table.file, "row": rows, "column": table.name_of(column)}, index=rows.index).where(
        rows.notna()
    )


def prepare(paths: list[Path], names: list[str]) -> Prepared:
    """The return's tables as one canonical table of care episodes, with the way back to each cell."""
    tables, messages = read_tables(paths, names)
    missing = tables["missing"]
    cells = missing.cells
    placed = placements_in_force(tables)

    child = cells["child"]
    start = dates(cells["mis_start"])
    day = start.dt.strftime("%Y-%m-%d").where(start.notna(), cells["mis_start"])
    later = same_day_number(child, day, dates(cells["mis_end"]))
    category = cells["missing"].str.upper().map(CATEGORIES).where(cells["missing"].str.upper().isin(CATEGORIES))
    text = pd.DataFrame(
        {
            "episode_id": ("903-" + child + "-" + day + later).where(child.notna() & cells["mis_start"].notna()),
            "child_id": child,
            "category": category.fillna(cells["missing"]),
            "reported_at": cells["mis_start"],
            "returned_at": cells["mis_end"],
            "missing_from": "care",
        },
        index=cells.index,
    )
    origins = Origins(
        missing.file,
        columns={k: missing.name_of(v.lower()) for k, v in MISSING_COLUMNS.items()},
        value_hints={"category": "MISSING is M (missing) or A (away from placement without authorisation)"},
        date_hint=DATE_HINT,
        derived=("episode_id", "missing_from"),
    )

    text["date_of_birth"] = cells["dob"]
    if "header" in tables:
        header = tables["header"]
        details = header.cells.drop_duplicates("child", keep="last")
        rows = pd.Series(details.index, index=details["child"].to_numpy())
        header_row = child.map(rows)
        known = header_row.notna()
        by_child = details.set_index("child")
        sex = child.map(by_child["sex"])
        mapped = sex.str.upper().map(SEXES)
        text["sex"] = mapped.where(sex.str.upper().isin(SEXES), sex)
        text["ethnicity"] = child.map(by_child["ethnic"])
        text["date_of_birth"] = child.map(by_child["dob"]).where(known, cells["dob"])
        origins.cells["sex"] = _origin(header, header_row, "sex")
        origins.cells["ethnicity"] = _origin(header, header_row, "ethnic")
        origins.cells["date_of_birth"] = _origin(header, header_row, "dob")
        origins.value_hints["sex"] = "SEX is 1 (male) or 2 (female)"

    if "episodes" in tables:
        episodes = tables["episodes"]
        code = placed["place"].str.upper()
        text["placement_type"] = code.map(PLACEMENT_TYPES).fillna("other").where(code.isin(PLACEMENT_CODES))
        text["establishment_id"] = placed["urn"].where(placed["urn"].str.upper().ne(NO_URN))
        text["from_postcode"] = placed["pl_post"].where(placed["postcode_ok"])
        for column, original in (
            ("placement_type", "place"),
            ("establishment_id", "urn"),
            ("from_postcode", "pl_post"),
        ):
            origins.cells[column] = _origin(episodes, placed["episode_row"], original)

    as_written = {"category": cells["missing"]}
    if "sex" in text:
        as_written["sex"] = sex
    for check in RULES:
        messages += [m for finding in check.check(tables, placed) for m in check.messages(finding, missing.file)]
    text = text.astype(object).where(text.notna(), None)
    return Prepared(
        text,
        origins,
        source="ssda903",
        messages=messages,
        join_same_day=True,
        full_rows_only=True,
        as_written=as_written,
    )
