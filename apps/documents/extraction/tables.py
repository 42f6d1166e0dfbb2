"""Tables on PDF pages: a cheap PDFium test picks the pages that probably hold a ruled table, and only those
pages go through pdfplumber's table finder, fed with PDFium's rulings and filled with PDFium's text (see
``plumber_tables``).

The test looks at the page's vector paths: a ruled table is drawn as horizontal and vertical lines (or cell
rectangles) that line up, so it counts the distinct x positions of vertical segments and the distinct y
positions of horizontal segments. A grid with at least ``MIN_RULING_COLUMNS`` vertical and ``MIN_RULING_ROWS``
horizontal rulings is flagged. A page of prose (no paths), underlines (horizontal only) or a stack of framed
boxes (two vertical positions) is not. Tables without rulings (aligned text only) are not found.

Nothing here imports Django: it runs in the PDF worker processes.
"""

import ctypes
import logging
from functools import cache
from itertools import pairwise
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from apps.documents.extraction import Table

logger = logging.getLogger(__name__)

#: Distinct vertical-line x positions / horizontal-line y positions a page needs to be sent to the table finder.
MIN_RULING_COLUMNS = 3
MIN_RULING_ROWS = 3
#: Shorter segments are glyph-like marks (bullets, ticks), not rulings; points (1/72 inch).
MIN_RULING_LENGTH = 8.0
#: A filled shape at most this thick (points) is a ruling drawn as a rectangle.
MAX_RULE_THICKNESS = 2.0
#: Path objects inspected per page: a page of vector art stops being measured after this many.
MAX_PATH_OBJECTS = 3000
#: Form XObjects are descended into this many levels deep (the page itself is the first).
MAX_FORM_DEPTH = 3
#: Slack (points) between a path's bounds from PDFium (float32) and its points transformed here (float64).
BOUNDS_MARGIN = 0.5

MOVETO, LINETO = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO
#: Stored table size per page: cells and characters beyond these are dropped (the text layer still has them).
MAX_TABLE_CELLS_PER_PAGE = 2000
MAX_TABLE_CHARS_PER_PAGE = 20000


def _untyped(function: Any, restype: Any, *argtypes: Any) -> Any:
    """A ``pypdfium2.raw`` function declared again with ``void *`` handles. The raw bindings declare a handle as
    a typed pointer, so ctypes builds a pointer object for every handle a call returns and checks its type on
    every call that takes one; the walk over a page's objects makes two to four such calls an object (a page
    of the DA manual has about 1,000 objects). Same function, same arguments: only the Python side is cheaper."""
    address = ctypes.cast(function, ctypes.c_void_p).value
    assert address is not None  # a bound function of a loaded library
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


class _Raw:
    """The PDFium calls of the ruling test, with untyped handles (see ``_untyped``); built once per process."""

    def __init__(self) -> None:
        vp, i, fp, ip = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int)
        self.count_objects = _untyped(pdfium_c.FPDFPage_CountObjects, i, vp)
        self.get_object = _untyped(pdfium_c.FPDFPage_GetObject, vp, vp, i)
        self.form_count_objects = _untyped(pdfium_c.FPDFFormObj_CountObjects, i, vp)
        self.form_get_object = _untyped(pdfium_c.FPDFFormObj_GetObject, vp, vp, ctypes.c_ulong)
        self.get_type = _untyped(pdfium_c.FPDFPageObj_GetType, i, vp)
        self.get_bounds = _untyped(pdfium_c.FPDFPageObj_GetBounds, i, vp, fp, fp, fp, fp)
        self.get_draw_mode = _untyped(pdfium_c.FPDFPath_GetDrawMode, i, vp, ip, ip)
        self.get_matrix = _untyped(pdfium_c.FPDFPageObj_GetMatrix, i, vp, ctypes.POINTER(pdfium_c.FS_MATRIX))
        self.count_segments = _untyped(pdfium_c.FPDFPath_CountSegments, i, vp)
        self.get_segment = _untyped(pdfium_c.FPDFPath_GetPathSegment, vp, vp, i)
        self.segment_point = _untyped(pdfium_c.FPDFPathSegment_GetPoint, i, vp, fp, fp)
        self.segment_type = _untyped(pdfium_c.FPDFPathSegment_GetType, i, vp)
        self.segment_close = _untyped(pdfium_c.FPDFPathSegment_GetClose, i, vp)


@cache
def _raw() -> _Raw:
    return _Raw()


def _path_objects(page: pdfium.PdfPage) -> list[int]:
    """The page's path objects (untyped handles), forms descended into up to ``MAX_FORM_DEPTH`` levels, in the
    order of ``page.get_objects(filter=[FPDF_PAGEOBJ_PATH], max_depth=MAX_FORM_DEPTH)``, without building a
    Python wrapper for every object of the page (text objects included), which cost more than the test itself.
    At most ``MAX_PATH_OBJECTS``. The handles are valid while the page is open."""
    raw = _raw()
    get_type, path, form = raw.get_type, pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
    found: list[int] = []

    def walk(parent: int, count: Any, get: Any, level: int) -> bool:
        """Appends the path objects under ``parent``; False once ``MAX_PATH_OBJECTS`` are found."""
        for index in range(count(parent)):
            obj = get(parent, index)
            if not obj:
                continue
            kind = get_type(obj)
            if kind == path:
                found.append(obj)
                if len(found) >= MAX_PATH_OBJECTS:
                    return False
            elif (
                kind == form
                and level < MAX_FORM_DEPTH - 1
                and not walk(obj, raw.form_count_objects, raw.form_get_object, level + 1)
            ):
                return False
        return True

    walk(ctypes.cast(page.raw, ctypes.c_void_p).value or 0, raw.count_objects, raw.get_object, 0)
    return found


class _PathReader:
    """Reads path objects with reused ctypes buffers (one set per page walk)."""

    def __init__(self) -> None:
        self.raw = _raw()
        self.x, self.y = ctypes.c_float(), ctypes.c_float()
        self.left, self.bottom = ctypes.c_float(), ctypes.c_float()
        self.right, self.top = ctypes.c_float(), ctypes.c_float()
        self.fill, self.stroke = ctypes.c_int(), ctypes.c_int()
        self.matrix = pdfium_c.FS_MATRIX()
        self._bounds = tuple(ctypes.byref(v) for v in (self.left, self.bottom, self.right, self.top))
        self._point = ctypes.byref(self.x), ctypes.byref(self.y)
        self._modes = ctypes.byref(self.fill), ctypes.byref(self.stroke)

    def bounds(self, obj: int) -> tuple[float, float, float, float] | None:
        """Left, bottom, right, top in page space (the object's matrix applied, every point of the path in it)."""
        if not self.raw.get_bounds(obj, *self._bounds):
            return None
        return self.left.value, self.bottom.value, self.right.value, self.top.value

    def stroked(self, obj: int) -> bool:
        return bool(self.raw.get_draw_mode(obj, *self._modes)) and bool(self.stroke.value)

    def straight_segments(self, obj: int) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """The path's straight segments as point pairs in page space, including the one that closes a subpath
        (a line-to from the previous point, which may be a curve's control point, as before)."""
        raw, m = self.raw, self.matrix
        if not raw.get_matrix(obj, ctypes.byref(m)):
            raise pdfium.PdfiumError("Failed to get matrix of pageobject.")
        a, b, c, d, e, f = m.a, m.b, m.c, m.d, m.e, m.f
        x, y = self.x, self.y
        px_ref, py_ref = self._point
        get_segment, get_point = raw.get_segment, raw.segment_point
        get_type, get_close = raw.segment_type, raw.segment_close
        out: list[tuple[tuple[float, float], tuple[float, float]]] = []
        previous: tuple[float, float] | None = None
        start: tuple[float, float] | None = None
        for i in range(raw.count_segments(obj)):
            segment = get_segment(obj, i)
            if not segment or not get_point(segment, px_ref, py_ref):
                continue
            px, py = x.value, y.value
            point = (a * px + c * py + e, b * px + d * py + f)
            kind = get_type(segment)
            if kind == MOVETO:
                start = point
            elif kind == LINETO and previous is not None:
                out.append((previous, point))
                if start is not None and get_close(segment):
                    out.append((point, start))
            previous = point
        return out


def _rulings(page: pdfium.PdfPage, enough: tuple[int, int] | None = None) -> tuple[int, int]:
    """(distinct x of vertical rulings, distinct y of horizontal rulings), rounded to whole points; with
    ``enough``, stops as soon as both counts reach it, and answers (0, 0) at once for a page without a path
    tall enough for a vertical ruling or wide enough for a horizontal one (only whether a page passes the test
    is wanted).

    A ruling is a stroked axis-parallel segment, or a filled shape thinner than ``MAX_RULE_THICKNESS`` (a line
    drawn as a thin rectangle). Filled shapes that are not thin (chart bars, shaded backgrounds) do not count.
    A stroked path whose bounds are shorter than ``MIN_RULING_LENGTH`` both ways (a glyph-like mark: a bullet,
    a tick, a letter drawn as outlines) cannot hold a ruling and its segments are not read.
    """
    xs: set[int] = set()
    ys: set[int] = set()
    reader = _PathReader()
    small = MIN_RULING_LENGTH - BOUNDS_MARGIN
    objects = [(obj, reader.bounds(obj)) for obj in _path_objects(page)]
    tall = any(bounds is None or bounds[3] - bounds[1] >= small for _, bounds in objects)
    wide = any(bounds is None or bounds[2] - bounds[0] >= small for _, bounds in objects)
    if enough is not None and ((enough[0] > 0 and not tall) or (enough[1] > 0 and not wide)):
        # A vertical ruling is at least MIN_RULING_LENGTH tall, a horizontal one as wide, filled or stroked:
        # a page without a path that tall (or that wide) cannot pass, and its segments are not read (a page
        # of ~400 underlines or leader lines, all horizontal, cost as much as PDFium's page load and text).
        return 0, 0
    for obj, bounds in objects:
        if not reader.stroked(obj):
            if bounds is None:
                raise pdfium.PdfiumError("Failed to locate pageobject.")
            left, bottom, right, top = bounds
            width, height = right - left, top - bottom
            if height <= MAX_RULE_THICKNESS and width >= MIN_RULING_LENGTH:
                ys.add(round((top + bottom) / 2))
            elif width <= MAX_RULE_THICKNESS and height >= MIN_RULING_LENGTH:
                xs.add(round((left + right) / 2))
        elif bounds is None or bounds[2] - bounds[0] >= small or bounds[3] - bounds[1] >= small:
            for p, q in reader.straight_segments(obj):
                dx, dy = abs(p[0] - q[0]), abs(p[1] - q[1])
                if dy < 1 and dx >= MIN_RULING_LENGTH:
                    ys.add(round(p[1]))
                elif dx < 1 and dy >= MIN_RULING_LENGTH:
                    xs.add(round(p[0]))
        else:
            continue
        if enough is not None and len(xs) >= enough[0] and len(ys) >= enough[1]:
            break
    return len(xs), len(ys)


def ruling_positions(page: pdfium.PdfPage) -> tuple[int, int]:
    """(distinct x of vertical rulings, distinct y of horizontal rulings), rounded to whole points (see
    ``_rulings``)."""
    return _rulings(page)


def looks_like_table(page: pdfium.PdfPage) -> bool:
    columns, rows = _rulings(page, enough=(MIN_RULING_COLUMNS, MIN_RULING_ROWS))
    return columns >= MIN_RULING_COLUMNS and rows >= MIN_RULING_ROWS


def _cell(text: str | None) -> str:
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.strip() for line in lines).strip()


def tidy(raw: list[list[str | None]]) -> Table | None:
    """Cells as stripped strings, empty rows and columns dropped (pdfplumber reports a merged or spacer cell
    as ``None``/empty); ``None`` unless at least two rows and two columns hold text."""
    rows = [[_cell(cell) for cell in row] for row in raw]
    rows = [row for row in rows if any(row)]
    if not rows:
        return None
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    keep = [column for column in range(width) if any(row[column] for row in rows)]
    table = [[row[column] for column in keep] for row in rows]
    if len(table) < 2 or len(keep) < 2:
        return None
    return table


def bounded(tables: list[Table]) -> list[Table]:
    """The tables of one page within MAX_TABLE_CELLS_PER_PAGE cells and MAX_TABLE_CHARS_PER_PAGE characters:
    whole rows are kept until a limit is reached, then the page's tables stop."""
    kept: list[Table] = []
    cells = characters = 0
    for table in tables:
        rows: Table = []
        for row in table:
            row_chars = sum(len(cell) for cell in row)
            if cells + len(row) > MAX_TABLE_CELLS_PER_PAGE or characters + row_chars > MAX_TABLE_CHARS_PER_PAGE:
                if len(rows) >= 2:
                    kept.append(rows)
                return kept
            rows.append(row)
            cells += len(row)
            characters += row_chars
        kept.append(rows)
    return kept


def ruling_edges(page: pdfium.PdfPage) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every axis-parallel segment of the page's paths (stroked or filled, at least 1 pt) as pdfplumber edges
    (y from the top), vertical and horizontal: what pdfplumber's "lines" strategy would take from pdfminer's
    lines, rectangles and curves, without pdfminer parsing the page."""
    height = page.get_height()
    vertical: list[dict[str, Any]] = []
    horizontal: list[dict[str, Any]] = []

    def add(a: tuple[float, float], b: tuple[float, float]) -> None:
        dx, dy = abs(a[0] - b[0]), abs(a[1] - b[1])
        if dy < 1 and dx >= 1:
            y, x0, x1 = height - (a[1] + b[1]) / 2, min(a[0], b[0]), max(a[0], b[0])
            horizontal.append(
                {"object_type": "line_edge", "orientation": "h", "x0": x0, "x1": x1, "top": y, "bottom": y}
                | {"width": x1 - x0, "height": 0}
            )
        elif dx < 1 and dy >= 1:
            x, top, bottom = (a[0] + b[0]) / 2, height - max(a[1], b[1]), height - min(a[1], b[1])
            vertical.append(
                {"object_type": "line_edge", "orientation": "v", "x0": x, "x1": x, "top": top, "bottom": bottom}
                | {"width": 0, "height": bottom - top}
            )

    reader = _PathReader()
    for obj in _path_objects(page):
        for a, b in reader.straight_segments(obj):
            add(a, b)
    return vertical, horizontal


def _same_coordinates(page: pdfium.PdfPage, plumber_page: Any) -> bool:
    """Whether pdfplumber's coordinates are PDFium's with y flipped (no rotation, page origin at 0, 0)."""
    left, bottom, _, _ = page.get_cropbox()
    return (
        page.get_rotation() == 0
        and (left, bottom) == (0, 0)
        and tuple(plumber_page.bbox) == (0, 0, page.get_width(), page.get_height())
    )


def _pdfium_tables(plumber_page: Any, page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[list[list[Any]]]:
    vertical, horizontal = ruling_edges(page)
    if len(vertical) < 2 or len(horizontal) < 2:
        return []
    settings = {
        "vertical_strategy": "explicit",
        "horizontal_strategy": "explicit",
        "explicit_vertical_lines": vertical,
        "explicit_horizontal_lines": horizontal,
    }
    height = page.get_height()
    read = _CellReader(textpage)
    return [
        [
            [None if cell is None else read(cell[0], height - cell[3], cell[2], height - cell[1]) for cell in row.cells]
            for row in table.rows
        ]
        for table in _grid_finder_class()(plumber_page, settings).tables
    ]


def _grid_cells(intersections: dict[tuple[float, float], dict[str, list[Any]]]) -> list[tuple[Any, ...]] | None:
    """The cells of a complete ruled grid, or ``None`` when the intersections are not one.

    A complete grid has an intersection at every (x, y) of its columns and rows, and each pair of neighbours
    shares an edge. There, pdfplumber's search for the smallest cell at each intersection (quadratic in the
    intersections, most of a table page's cost) can only find the cell to the next column and row, so the
    cells are listed directly, in the order pdfplumber would list them. Anything else goes to pdfplumber.
    """
    from pdfplumber.utils import obj_to_bbox

    xs = sorted({x for x, _ in intersections})
    ys = sorted({y for _, y in intersections})
    if len(xs) < 2 or len(ys) < 2 or len(intersections) != len(xs) * len(ys):
        return None

    def share(p1: tuple[float, float], p2: tuple[float, float], orientation: str) -> bool:
        edges = {obj_to_bbox(edge) for edge in intersections[p1][orientation]}
        return any(obj_to_bbox(edge) in edges for edge in intersections[p2][orientation])

    for x, (y1, y2) in ((x, pair) for x in xs for pair in pairwise(ys)):
        if not share((x, y1), (x, y2), "v"):
            return None
    for y, (x1, x2) in ((y, pair) for y in ys for pair in pairwise(xs)):
        if not share((x1, y), (x2, y), "h"):
            return None
    return [(x0, y0, x1, y1) for x0, x1 in pairwise(xs) for y0, y1 in pairwise(ys)]


@cache
def _grid_finder_class() -> Any:
    """pdfplumber's finder with the complete-grid shortcut (built on first use: pdfplumber loads only then)."""
    from pdfplumber.table import (
        Table as PlumberTable,
    )
    from pdfplumber.table import (
        TableFinder,
        TableSettings,
        cells_to_tables,
        edges_to_intersections,
        intersections_to_cells,
    )

    class GridFinder(TableFinder):
        """pdfplumber's TableFinder, with complete grids' cells listed directly (see ``_grid_cells``)."""

        def __init__(self, page: Any, settings: Any = None) -> None:
            self.page = page
            self.settings = TableSettings.resolve(settings)
            self.edges = self.get_edges()
            self.intersections = edges_to_intersections(
                self.edges, self.settings.intersection_x_tolerance, self.settings.intersection_y_tolerance
            )
            self.cells = _grid_cells(self.intersections) or intersections_to_cells(self.intersections)
            self.tables = [PlumberTable(self.page, group) for group in cells_to_tables(self.cells)]

    return GridFinder


class _CellReader:
    """PDFium's text inside a box, with one reusable buffer: ``get_text_bounded`` asks PDFium twice per call
    (the length, then the text), which made it half of a table page's cost (a page can have 300 cells)."""

    CHARS = 4096

    def __init__(self, textpage: pdfium.PdfTextPage) -> None:
        self.textpage = textpage
        self.buffer = ctypes.create_string_buffer(2 * self.CHARS)
        self.pointer = ctypes.cast(self.buffer, ctypes.POINTER(ctypes.c_ushort))

    def __call__(self, left: float, bottom: float, right: float, top: float) -> str:
        count = pdfium_c.FPDFText_GetBoundedText(self.textpage.raw, left, top, right, bottom, self.pointer, self.CHARS)
        if count >= self.CHARS:  # a cell longer than the buffer (the count includes the closing NUL)
            return str(self.textpage.get_text_bounded(left=left, bottom=bottom, right=right, top=top))
        return self.buffer.raw[: 2 * count].decode("utf-16-le", errors="ignore").rstrip("\x00")


def plumber_tables(plumber_pdf: Any, index: int, page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[Table]:
    """The tables on page ``index``, tidied and bounded.

    pdfplumber's table finder (snapping and joining edges, intersections, cells, tables) runs on the page's
    rulings as PDFium reads them, and each cell's text is PDFium's text inside the cell's box: pdfminer
    does not parse the page (that parse is most of pdfplumber's cost), and cells hold the same text layer as
    the page text. On the corpus this gives the same tables as pdfplumber's own ``extract_tables()``, 8x
    faster. A page whose coordinates differ between the two (rotated, offset crop box) goes through
    pdfplumber entirely. A page pdfplumber fails on has no tables (its text came from PDFium anyway).
    """
    plumber_page = None
    try:
        plumber_page = plumber_pdf.pages[index]
        if _same_coordinates(page, plumber_page):
            raw = _pdfium_tables(plumber_page, page, textpage)
        else:
            raw = plumber_page.extract_tables()
    except Exception:  # pdfminer raises many kinds of errors on odd pages; the tables are optional
        logger.warning("pdfplumber could not read the tables of page %s", index + 1, exc_info=True)
        return []
    finally:
        if plumber_page is not None:
            plumber_page.close()  # drops the page's cached layout objects: memory stays bounded per page
    return bounded([table for table in (tidy(rows) for rows in raw) if table is not None])
