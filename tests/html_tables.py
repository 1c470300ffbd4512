"""Read the body rows of one table of a page, so that a test asserts on what the table lists
and not on the whole page (where a filter form may name the same districts and schools)."""

from html.parser import HTMLParser


class _TableRows(HTMLParser):
    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid = testid
        self.depth = 0  # tables open inside the wanted one, itself included
        self.in_body = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (self.depth or ("data-testid", self.testid) in attrs):
            self.depth += 1
        elif self.depth and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
            self.in_body = self.in_body and bool(self.depth)
        elif tag == "tbody":
            self.in_body = False
        elif tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, testid: str) -> list[list[str]]:
    """The cells' texts of each body row of the table marked `data-testid="<testid>"`."""
    parser = _TableRows(testid)
    parser.feed(html)
    assert f'data-testid="{testid}"' in html, f"no table {testid!r} on the page"
    return parser.rows


def first_column(html: str, testid: str) -> list[str]:
    return [row[0] for row in table_rows(html, testid) if row]
