"""Native Excel charts drawn from the written tables, made to be read honestly.

- Lines are straight (`smooth` off): a smoothed curve invents values between survey years and can
  dip below zero where the data cannot.
- Years are numbers on a value axis (a scatter chart), so 2005→2008 is drawn three times as wide
  as 2004→2005; a category axis spaces survey years evenly, whatever lies between them.
- A missing year is a gap (blank cell, `dispBlanksAs="gap"`), never a zero: the chart data keep
  the UN's no-online-presence markers out as blanks.
- Each focus country has its own colour (Okabe-Ito, safe for colour-blind readers) and its own
  marker; the world average is a thick black dashed line and the comparators grey dotted lines,
  so they stand apart without relying on colour, and the legend names every series.
- Every chart carries alt text (the drawing's `descr`), written by the sheet that asks for it.
"""

from __future__ import annotations

from digigov.warehouse.export.layout import Placed, Written
from digigov.warehouse.export.model import ChartSpec

MARKERS = ["circle", "square", "diamond", "triangle", "x", "star", "plus"]
COMPARATOR_MARKERS = ["diamond", "triangle", "square", "circle"]


def _ref(placed: Placed, col: str) -> list:
    """[sheet, first_row, col, last_row, col] of a block's column (XlsxWriter's range form)."""
    j = placed.col(col)
    return [placed.sheet, placed.first_row, j, max(placed.first_row, placed.last_row), j]


def _series_style(role: str, index: int, palette: list[str], world: str, comparator: str) -> dict:
    if role == "world":
        return {"line": {"color": f"#{world}", "width": 2.75, "dash_type": "long_dash"},
                "marker": {"type": "none"}}
    if role == "comparator":
        return {"line": {"color": f"#{comparator}", "width": 1.75, "dash_type": "round_dot"},
                "marker": {"type": COMPARATOR_MARKERS[index % len(COMPARATOR_MARKERS)], "size": 6,
                           "border": {"color": f"#{comparator}"}, "fill": {"color": "#FFFFFF"}}}
    colour = f"#{palette[index % len(palette)]}"
    if role == "reference":  # a benchmark of the series of the same colour
        return {"line": {"color": colour, "width": 1.5, "dash_type": "dash"}, "marker": {"type": "none"}}
    return {"line": {"color": colour, "width": 2.25},
            "marker": {"type": MARKERS[index % len(MARKERS)], "size": 6,
                       "border": {"color": colour}, "fill": {"color": colour}}}


def year_chart(wb, blocks: dict[tuple[str, str], Placed], spec: ChartSpec, colours: dict):
    """Lines over a numeric year axis: `spec.data` = {block: (sheet, key) or blocks: {name: (sheet,
    key)} with a `block` name per series, x: column, series: [{col, name, role, index}], y_title,
    y_min, y_max, x_min, x_max, x_step}."""
    d = spec.data
    chart = wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    for s in d["series"]:
        placed = blocks[tuple(d["blocks"][s["block"]] if "block" in s else d["block"])]
        chart.add_series({"name": s["name"], "categories": _ref(placed, d["x"]), "values": _ref(placed, s["col"]),
                          "smooth": False,
                          **_series_style(s["role"], s.get("index", 0), colours["palette"], colours["world"],
                                          colours["comparator"])})
    chart.set_title({"name": spec.title, "name_font": {"size": 11, "bold": True}, "overlay": False})
    chart.set_x_axis({"name": d.get("x_title", "Year"), "min": d["x_min"], "max": d["x_max"],
                      "major_unit": d.get("x_step", 2), "num_format": "0",
                      "major_gridlines": {"visible": False}, "name_font": {"size": 9, "bold": False},
                      "num_font": {"size": 9}})
    y = {"name": d["y_title"], "num_format": d.get("y_format", "0.0"), "major_gridlines": {"visible": True,
         "line": {"color": "#D9D9D9"}}, "name_font": {"size": 9, "bold": False}, "num_font": {"size": 9}}
    if d.get("y_min") is not None:
        y["min"] = d["y_min"]
    if d.get("y_max") is not None:
        y["max"] = d["y_max"]
    chart.set_y_axis(y)
    chart.set_legend({"position": "bottom", "font": {"size": 9}})
    chart.show_blanks_as("gap")
    chart.set_size({"width": spec.width, "height": spec.height})
    return chart


def bar_chart(wb, blocks: dict[tuple[str, str], Placed], spec: ChartSpec, colours: dict):
    """Columns: `spec.data` = {block, categories: column, value: column, name, minus/plus: columns
    of the interval below and above the value (optional), y_title, y_min, y_max, points: a role per
    row ("focus", "comparator", "world") to set the world average and comparators apart}."""
    d = spec.data
    placed = blocks[tuple(d["block"])]
    chart = wb.add_chart({"type": "column"})
    series = {"name": d["name"], "categories": _ref(placed, d["categories"]), "values": _ref(placed, d["value"]),
              "fill": {"color": f"#{colours['palette'][0]}"}, "gap": 60,
              "data_labels": {"value": True, "num_format": d.get("y_format", "0.00"), "position": "outside_end",
                              "font": {"size": 8, "color": "#000000"}}}
    if d.get("points"):
        fills = {"focus": colours["palette"][0], "comparator": colours["comparator"], "world": colours["world"]}
        pattern = {"comparator": "light_upward_diagonal"}
        series["points"] = [{"fill": {"color": f"#{fills[p]}"}} if p not in pattern else
                            {"pattern": {"pattern": pattern[p], "fg_color": f"#{fills[p]}", "bg_color": "#FFFFFF"},
                             "border": {"color": f"#{fills[p]}"}} for p in d["points"]]
    if d.get("minus"):
        series["y_error_bars"] = {
            "type": "custom", "end_style": 1, "line": {"color": "#000000", "width": 1.25},
            "plus_values": _formula(placed, d["plus"]), "minus_values": _formula(placed, d["minus"])}
        series["fill"] = {"color": f"#{colours['palette'][0]}", "transparency": 45}
        series["data_labels"] = {"value": True, "num_format": d.get("y_format", "0.00"), "position": "inside_base",
                                 "font": {"size": 8}}
    chart.add_series(series)
    chart.set_title({"name": spec.title, "name_font": {"size": 11, "bold": True}, "overlay": False})
    chart.set_x_axis({"num_font": {"size": 8}})
    y = {"name": d["y_title"], "num_format": d.get("y_format", "0.0"), "min": d.get("y_min", 0),
         "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
         "name_font": {"size": 9, "bold": False}, "num_font": {"size": 9}}
    if d.get("y_max") is not None:
        y["max"] = d["y_max"]
    chart.set_y_axis(y)
    chart.set_legend({"none": True})
    chart.show_blanks_as("gap")
    chart.set_size({"width": spec.width, "height": spec.height})
    return chart


def _formula(placed: Placed, col: str) -> str:
    from xlsxwriter.utility import xl_range_abs, quote_sheetname

    j = placed.col(col)
    return f"={quote_sheetname(placed.sheet)}!{xl_range_abs(placed.first_row, j, max(placed.first_row, placed.last_row), j)}"


def place_charts(wb, written: Written, blocks: dict[tuple[str, str], Placed], colours: dict) -> None:
    """Draw the sheet's charts at the anchors layout.py reserved for them."""
    for spec, row, x in written.anchors:
        chart = (year_chart if spec.kind == "years" else bar_chart)(wb, blocks, spec, colours)
        written.ws.insert_chart(row, 0, chart, {"x_offset": x + 2, "y_offset": 4, "object_position": 1,
                                                "description": spec.alt_text})
