"""The DfE's national figures (domain.md section 10): read, check and store them.

The DfE publishes, for each year ending 31 March, how many looked-after
children of every council, region and England went missing or were away from
placement. The project ships these figures (`reference/dfe/`, Open Government
Licence v3.0) and loads them into `dfe_figures` at first use;
`python -m loaders benchmarks FILE` adds a newer DfE file in the DfE's own
layout. Values are kept as published text (`c`, `x`, `z`, `k`, `low`, `:`, `..`
stay what they are, never 0), with a number beside them only where the
published text is a number.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, select

from config import PROJECT_ROOT
from loaders.schema import DfeFigure

REFERENCE_DIR = PROJECT_ROOT / "reference" / "dfe"
SHIPPED_FIGURES = REFERENCE_DIR / "cla_missing_away.csv"
SHIPPED_NEIGHBOURS = REFERENCE_DIR / "statistical_neighbours.csv"
SHIPPED_SOURCE = "shipped: reference/dfe/cla_missing_away.csv"

# The DfE's measures in the table "CLA who were missing or away from placement without
# authorisation", named as the DfE names them (its `cla_group` column), in its order.
MEASURES = (
    "Children looked after during the year",
    "Children who had a missing incident during the year",
    "Percentage of children who had a missing incident during the year",
    "Number of missing incidents during the year",
    "Average number of missing incidents per looked after child who went missing",
    "Children who went missing more than once during the year",
    "Children missing at 31 March",
    "Children who were away from placement without authorisation during the year",
    "Percentage of children who were away from placement without authorisation during the year",
    "Number of away from placement without authorisation incidents during the year",
    "Average number of away from placement without authorisation incidents per looked after child",
    "Children who were away from placement without authorisation more than once during the year",
    "Children away from placement without authorisation at 31 March",
)
LOOKED_AFTER = MEASURES[0]
LEVELS = ("national", "regional", "local_authority")
# The DfE's geographic_level -> ours.
DFE_LEVELS = {"National": "national", "Regional": "regional", "Local authority": "local_authority"}
# Symbols the DfE prints instead of a number: c confidential (suppressed), x not available or
# suppressed, z not applicable, k under 0.5, u low reliability, low, `:` and `..` not available
# (the 2017 release's `..`: a council that did not report away from placement).
SYMBOLS = ("c", "x", "z", "k", "u", "low", ":", "..")
# The DfE's current layout (2018 onwards): one row per area, year and measure.
DFE_COLUMNS = (
    "time_period",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "la_name",
    "new_la_code",
    "cla_group",
    "number",
)
SHIPPED_COLUMNS = ("year", "level", "area_code", "old_la_code", "area_name", "region_code", *MEASURES)


@dataclass
class FigureFile:
    """What a DfE file holds (one row per figure) and what is wrong with it."""

    figures: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def published_number(text: str) -> float | None:
    """The number a published cell holds (`1,234` -> 1234.0); None for a DfE symbol."""
    cleaned = text.strip().replace(",", "")
    if cleaned.lower() in SYMBOLS:
        return None
    return float(cleaned)


def _value_problem(text: str) -> str | None:
    if not text.strip():
        return "blank: the DfE prints a number or a symbol (c, x, z, k, u, low, :, ..), never nothing"
    try:
        published_number(text)
    except ValueError:
        return f"{text.strip()!r} is neither a number nor a DfE symbol ({', '.join(SYMBOLS)})"
    return None


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        return [h.strip() for h in header], [row for row in reader if any(cell.strip() for cell in row)]


def read_dfe_file(path: Path, name: str | None = None) -> FigureFile:
    """A DfE file in its current layout (`time_period, geographic_level, ..., cla_group, number`).

    Any other set of columns is refused, each missing column named as `FILE:1:COLUMN`;
    a row whose year, level, area or value cannot be read is refused naming its row
    (the header being row 1) and column.
    """
    name = name or str(path)
    result = FigureFile()
    try:
        header, rows = _rows(path)
    except (UnicodeDecodeError, csv.Error) as problem:
        result.errors.append(f"{name}:1:: error: not a CSV file in UTF-8 ({problem})")
        return result
    columns = {h.lower(): i for i, h in enumerate(header)}
    for column in DFE_COLUMNS:
        if column not in columns:
            result.errors.append(
                f"{name}:1:{column}: error: column missing; a DfE missing-or-away file has the columns "
                f"{', '.join(DFE_COLUMNS)}"
            )
    if result.errors:
        return result

    for number, row in enumerate(rows, start=2):
        cells = {column: row[index].strip() if index < len(row) else "" for column, index in columns.items()}
        figure, problems = _dfe_figure(cells)
        if problems:
            result.errors += [f"{name}:{number}:{column}: error: {text}" for column, text in problems]
        elif figure is not None:
            result.figures.append(figure)
    return result


AREA_CODES = {"national": "country_code", "regional": "region_code", "local_authority": "new_la_code"}
AREA_NAMES = {"national": "country_name", "regional": "region_name", "local_authority": "la_name"}


def _dfe_figure(cells: dict[str, str]) -> tuple[dict | None, list[tuple[str, str]]]:
    """One row of a DfE file as a figure, or the (column, problem) pairs that refuse it."""
    problems = []
    year_text = cells["time_period"]
    if not (len(year_text) == 4 and year_text.isdigit()):
        problems.append(("time_period", f"{year_text!r} is not a year ending 31 March (YYYY)"))
    level = DFE_LEVELS.get(cells["geographic_level"])
    if level is None:
        problems.append(("geographic_level", f"{cells['geographic_level']!r} is not one of {', '.join(DFE_LEVELS)}"))
    elif not cells.get(AREA_CODES[level]):
        problems.append((AREA_CODES[level], "blank: every area needs its code"))
    if not cells["cla_group"]:
        problems.append(("cla_group", "blank: every figure needs its measure"))
    value = cells["number"]
    if (wrong := _value_problem(value)) is not None:
        problems.append(("number", wrong))
    if problems or level is None:
        return None, problems
    local = level == "local_authority"
    figure = {
        "year": int(year_text),
        "level": level,
        "area_code": cells.get(AREA_CODES[level], ""),
        "old_la_code": cells.get("old_la_code") or None if local else None,
        "area_name": cells.get(AREA_NAMES[level], ""),
        "region_code": cells.get("region_code") or None if local else None,
        "measure": cells["cla_group"],
        "value": value,
        "number": published_number(value),
    }
    return figure, []


def read_shipped_file(path: Path = SHIPPED_FIGURES) -> FigureFile:
    """The shipped table (one row per area and year, one column per DfE measure).

    A blank cell is a measure that year's release did not publish (the 2015-2017
    releases had no percentages or averages): no figure, not a zero.
    """
    result = FigureFile()
    header, rows = _rows(path)
    if tuple(header) != SHIPPED_COLUMNS:
        result.errors.append(f"{path}:1:: error: not the shipped layout ({', '.join(SHIPPED_COLUMNS[:6])}, measures)")
        return result
    for number, row in enumerate(rows, start=2):
        record = dict(zip(header, row, strict=False))
        for measure in MEASURES:
            value = record[measure].strip()
            if not value:
                continue
            if (problem := _value_problem(value)) is not None:
                result.errors.append(f"{path}:{number}:{measure}: error: {problem}")
                continue
            result.figures.append(
                {
                    "year": int(record["year"]),
                    "level": record["level"],
                    "area_code": record["area_code"],
                    "old_la_code": record["old_la_code"] or None,
                    "area_name": record["area_name"],
                    "region_code": record["region_code"] or None,
                    "measure": measure,
                    "value": value,
                    "number": published_number(value),
                }
            )
    return result


def _store(engine: Engine, figures: list[dict], source: str) -> None:
    """Replace the stored figure of every year, area and measure the figures hold; keep the rest
    (a file of a few councils leaves the others as they were)."""
    frame = pd.DataFrame(figures)
    now = datetime.now().replace(microsecond=0)
    with engine.begin() as connection:
        for (year, area_code), measures in frame.groupby(["year", "area_code"])["measure"]:
            connection.execute(
                delete(DfeFigure).where(
                    DfeFigure.year == int(year),
                    DfeFigure.area_code == str(area_code),
                    DfeFigure.measure.in_(sorted(set(measures))),
                )
            )
        for start in range(0, len(figures), 5000):
            connection.execute(
                insert(DfeFigure), [{**f, "source": source, "loaded_at": now} for f in figures[start : start + 5000]]
            )


def ensure_shipped(engine: Engine) -> None:
    """Load the shipped figures the first time anything asks for DfE figures."""
    with engine.connect() as connection:
        shipped = connection.execute(
            select(func.count()).select_from(DfeFigure).where(DfeFigure.source == SHIPPED_SOURCE)
        ).scalar_one()
    if shipped:
        return
    read = read_shipped_file()
    if read.errors:  # the shipped file is checked by the tests; never half-load it
        raise ValueError("; ".join(read.errors[:5]))
    with engine.connect() as connection:
        newer = {(y, m) for y, m in connection.execute(select(DfeFigure.year, DfeFigure.measure).distinct())}
    # a newer DfE file loaded before the shipped figures keeps its years and measures
    _store(engine, [f for f in read.figures if (f["year"], f["measure"]) not in newer], SHIPPED_SOURCE)


def load_benchmarks(engine: Engine, path: Path, name: str | None = None) -> FigureFile:
    """Check a DfE file and, when it has no errors, store its figures (each replaces the figure of
    the same year, area and measure); refused whole on any error."""
    read = read_dfe_file(path, name)
    if read.errors:
        return read
    if not read.figures:
        read.errors.append(f"{name or path}:2:: error: the file has no figures")
        return read
    ensure_shipped(engine)
    _store(engine, read.figures, f"file: {Path(name or path).name}")
    return read


def dfe_figures(engine: Engine, year: int | None = None) -> pd.DataFrame:
    """Every stored figure (shipped ones loaded first if need be), sorted by year, level,
    area code and the DfE's order of measures."""
    ensure_shipped(engine)
    query = select(
        DfeFigure.year,
        DfeFigure.area_code,
        DfeFigure.area_name,
        DfeFigure.level,
        DfeFigure.measure,
        DfeFigure.value,
        DfeFigure.number,
        DfeFigure.old_la_code,
        DfeFigure.region_code,
    )
    if year is not None:
        query = query.where(DfeFigure.year == year)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(query)]  # plain tuples: pandas probes a Row slowly
    frame = pd.DataFrame(rows, columns=list(query.selected_columns.keys()))
    return _in_order(frame)


def shipped_figures() -> pd.DataFrame:
    """The shipped figures without a database (the columns of `dfe_figures`), for a committee
    pack made from an episodes frame."""
    return _in_order(pd.DataFrame(read_shipped_file().figures))


def _in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Sorted by year, level, area code and the DfE's order of measures."""
    order = {m: i for i, m in enumerate(MEASURES)}
    frame["_level"] = frame["level"].map({lvl: i for i, lvl in enumerate(LEVELS)})
    frame["_measure"] = frame["measure"].map(order).fillna(len(order))
    frame = frame.sort_values(["year", "_level", "area_code", "_measure", "measure"], kind="stable")
    return frame.drop(columns=["_level", "_measure"]).reset_index(drop=True)


def dfe_version(engine: Engine) -> tuple[int, str]:
    """(figures stored, when last loaded): a cache key that changes when a DfE file is loaded."""
    ensure_shipped(engine)
    with engine.connect() as connection:
        count, last = connection.execute(select(func.count(), func.max(DfeFigure.loaded_at))).one()
    return int(count), str(last)


def statistical_neighbours(path: Path = SHIPPED_NEIGHBOURS) -> pd.DataFrame:
    """The DfE's statistical neighbour groupings: grouping, old_la_code, la_name, rank,
    neighbour_old_la_code, closeness (all text but rank)."""
    return pd.read_csv(path, dtype=str).astype({"rank": "int64"})
