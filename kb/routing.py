"""What a URL carries, read safely: an <int:…> id beyond what the id columns hold gives 404, not a database
error; so do such numbers in a query string or form (``bounded_int``, ``bounded_ids``); a page number stays in range
(``page_arg``); a path to go back to is one of this site's (``local_path``); a request is for one of the site's
own names (``SiteHosts``); no text of a URL carries control characters (``CleanRequest``,
``CleanStringConverter``)."""

import contextlib
import html
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from flask import Request, redirect, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter, UnicodeConverter
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

from kb.textclean import xml_text

# Ids are INTEGER columns: 32 bits in PostgreSQL (SQLite would take 64).
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """Flask's int converter; a value beyond what an id column holds becomes 0, an id no row has.

    (Rejecting it in the converter instead makes werkzeug answer 405 to other methods of the same path.)
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


class CleanStringConverter(UnicodeConverter):
    """Flask's string converter without control characters: «/collections/shared/abc%00def» gave PostgreSQL a NUL,
    which it refuses in any text (a 500); now the token is one no collection has (404)."""

    def to_python(self, value: str) -> str:
        return xml_text(value)


class BodyTooLarge(RequestEntityTooLarge):
    """A body sent without Content-Length read up to MAX_CONTENT_LENGTH, and more of it came (``WholeBodyStream``)."""


class FormTooLarge(RequestEntityTooLarge):
    """A form within MAX_CONTENT_LENGTH that its parser refused: a text of it over MAX_FORM_MEMORY_SIZE; kb.errors
    says «Слишком длинный текст», not «Слишком большой файл»."""


class FormTooManyParts(FormTooLarge):
    """A multipart form of more parts than MAX_FORM_PARTS (1000: no page sends so many, a hostile client's
    thousands of fields do); kb.errors says «Слишком много полей в форме», not «Слишком длинный текст»."""


class FormParser(FormDataParser):
    """werkzeug's form parser, whose 413s are told apart: the body's (over MAX_CONTENT_LENGTH) from the form's.

    A body with Content-Length over the limit is refused before it is parsed; without it (chunked), only the stream
    knows, when it reaches the limit (``BodyTooLarge``). Any other 413 of the parser is the form's limits': a chunked
    body over MAX_FORM_MEMORY_SIZE was answered «Слишком большой файл», since its length was not known."""

    def parse(self, stream, mimetype, content_length, options=None):
        try:
            return super().parse(stream, mimetype, content_length, options)
        except BodyTooLarge:
            raise
        except RequestEntityTooLarge as error:
            raise (FormTooManyParts() if _parts_over_limit(error) else FormTooLarge()) from None


def _parts_over_limit(error: RequestEntityTooLarge) -> bool:
    """Whether werkzeug's 413 is of MAX_FORM_PARTS: its multipart decoder raises it, counting the parts, from
    ``next_event`` (where nothing else raises a 413); the texts' MAX_FORM_MEMORY_SIZE is checked elsewhere
    (``receive_data``, the parser's ``parse``). werkzeug tells them apart in no other way (one plain
    RequestEntityTooLarge); a werkzeug that raised it elsewhere would get «Слишком длинный текст», as before."""
    trace = error.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    return (trace is not None and trace.tb_frame.f_code.co_name == "next_event"
            and trace.tb_frame.f_globals.get("__name__") == "werkzeug.sansio.multipart")


class CleanRequest(Request):
    """A request whose query string carries no control characters (kb.textclean): what a view reads from it
    reaches SQL, and a NUL there was a 500 on PostgreSQL (a collection search «?q=%00»). Tabs and line breaks
    stay. Forms filter their own text fields (kb.forms); a password keeps every character it is typed with.

    A body sent without Content-Length (Transfer-Encoding: chunked) and longer than MAX_CONTENT_LENGTH is a 413,
    as it is with Content-Length (``WholeBodyStream``); a form's own 413 (a text over MAX_FORM_MEMORY_SIZE, more parts
    than MAX_FORM_PARTS) is told from it, with Content-Length or without (``FormParser``)."""

    form_data_parser_class = FormParser

    @cached_property
    def args(self):
        return _cleaned(self.parameter_storage_class, super().args)

    @cached_property
    def emptied_args(self) -> frozenset[str]:
        """The names of the query string's values that were only control characters: «?q=%00» is an empty ``q``
        in ``args``, though something was typed (a search says it has no word, as for «?q=🎓»)."""
        # read from the query string itself: ``super().args`` shares the cache of ``args`` (werkzeug's
        # cached_property keeps it under the same name), and would hand out the uncleaned values or the cleaned ones
        pairs = parse_qsl(self.query_string.decode("utf-8", "replace"), keep_blank_values=True)
        return frozenset(xml_text(key) for key, value in pairs if value.strip() and not xml_text(value).strip())

    @cached_property
    def stream(self):
        limit = self.max_content_length
        if (self.shallow or self.content_length is not None or limit is None
                or "wsgi.input_terminated" not in self.environ):
            return super().stream
        return WholeBodyStream(self.environ["wsgi.input"], limit)


class WholeBodyStream(LimitedStream):
    """A body of unknown length read up to a limit, all of it or a 413.

    werkzeug's stream for it stops at MAX_CONTENT_LENGTH without a word when read whole (``get_data``, a
    urlencoded form): the first 100 MB of a longer JSON body were parsed — «Тело запроса должно быть объектом
    JSON», a 400 instead of the 413 the same body with Content-Length gets — and a form's fields were cut where
    the limit fell. Reading it whole now looks one byte past the limit: any there is a 413. (Reading it in parts,
    as the multipart parser does, already stopped with a 413 at the limit.)"""

    def __init__(self, stream, limit: int):
        super().__init__(stream, limit, is_max=True)
        self._source = stream

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._source.read(1):
            raise BodyTooLarge()
        return data

    def on_exhausted(self) -> None:
        """Read in parts past the limit (the multipart parser): a 413 of the body, as werkzeug's own stream gives."""
        raise BodyTooLarge()


def _cleaned(storage, values):
    if not any(xml_text(key) != key or xml_text(value) != value for key, value in values.items(multi=True)):
        return values
    return storage((xml_text(key), xml_text(value)) for key, value in values.items(multi=True))


# The furthest page a paginated list goes to: far past any real list, and an OFFSET every database takes.
MAX_PAGE = 100_000


def bounded_int(args, name: str) -> int | None:
    """A whole number from a query string or form (an id, a version number) as ``args.get(name, type=int)``
    gives it; a value beyond what an INTEGER column holds becomes 0, which no row has (a database cannot even
    compare with it: ``?from=99999999999999999999`` was a 500)."""
    number = args.get(name, type=int)
    if number is not None and abs(number) > MAX_ID:
        return 0
    return number


def bounded_ids(values) -> list[int]:
    """The ids a form sends as a list (ticked checkboxes): whole numbers from 1 to MAX_ID, the rest left out (a
    bigger number made the database fail: `POST …/recommendations` with one was a 500)."""
    ids = []
    for value in values or []:
        text = str(value).strip()
        if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID:
            ids.append(int(text))
    return ids


# Characters of a list's text filter (a name, an address, words of a title) that are looked for: far more than any
# title or name holds, and a LIKE pattern the database takes (SQLite refuses one over 50,000 bytes as "too complex").
MAX_FILTER = 200


def filter_arg(args, name: str = "q") -> str:
    """A list's text filter from a query string: without the spaces around it, its first MAX_FILTER characters."""
    return (args.get(name) or "").strip()[:MAX_FILTER]


def page_arg(args) -> int:
    """The ``page`` a paginated list is asked for, from 1 to MAX_PAGE (a page past the end is the view's to send
    to the last one: ``last_page_redirect``), a nonsense one the first."""
    number = whole_number(args.get("page"))
    return 1 if number is None else min(max(number, 1), MAX_PAGE)


def last_page_redirect(pagination):
    """A redirect to the last page of a list asked for a page past its end (an old bookmark, a list that got
    shorter), with the request's other arguments; None otherwise. Such a page answered «nothing yet» with no way
    back, as if the list were empty."""
    if pagination.page > pagination.pages and pagination.total:
        # The query is put after the route's address, not passed to url_for: a key named «endpoint» was taken for
        # url_for's own argument (a 500). Keys like url_for's own («_anchor», «_external»…) and the route's are
        # no list's: dropped.
        args = {key: values for key, values in request.args.lists()
                if not key.startswith("_") and key not in (request.view_args or {})}
        query = urlencode({**args, "page": pagination.pages}, doseq=True)
        return redirect(f"{url_for(request.endpoint, **(request.view_args or {}))}?{query}")
    return None


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def whole_number(text: str | None) -> int | None:
    """A whole number written in ASCII digits (spaces around allowed), or None: what ``int()`` takes besides —
    «１», «٢», «1_000» — is not a number in a URL, and a number of thousands of digits is not one either
    (``int()`` refuses it with a ValueError)."""
    text = (text or "").strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        return None
    try:
        return int(text)
    except ValueError:
        return None


# Characters a browser drops from a URL (tab, line breaks) or reads as "/" (a backslash): "/\t/evil.example"
# arrives as "//evil.example", another site.
_NOT_IN_A_LOCAL_PATH = re.compile(r"[\x00-\x1f\x7f\\]")


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path of this site ("/search?q=…"), else None: where to go back to after a login or
    a one-click action, never another site (an open redirect would lend the bank's address to phishing)."""
    if not target or _NOT_IN_A_LOCAL_PATH.search(target):
        return None
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return None
    return target


class SiteHosts:
    """WSGI middleware: a request whose Host is not one of the site's names (SITE_HOSTS) gets a 400 in Russian,
    before anything builds a link from that Host.

    Names are compared without regard to case («BANK.example.ru» is bank.example.ru); ".example.ru" takes the
    subdomains too. A port is accepted only when the entry names it ("bank.example.ru:8443") or when it is the
    default one of the request's scheme (80 for http, 443 for https, which a link leaves out anyway): any other
    port would end up in the links the bank gives out. The Host an accepted request goes on with is the entry's
    own spelling: lower-case, without the default port. ``/healthz`` passes whatever the Host (it builds no
    link): a health probe sent straight to gunicorn's port names no site. A Host that is no valid host name
    («a..b», a label over 63 characters) is refused first, whatever SITE_HOSTS holds: ".example.ru" took
    «x..example.ru» for one of its subdomains."""

    OPEN_PATHS = frozenset({"/healthz"})

    def __init__(self, wsgi_app, hosts: list[str]):
        self.wsgi_app = wsgi_app
        self.hosts = [_site_host(entry) for entry in hosts]

    def __call__(self, environ, start_response):
        from werkzeug.wrappers import Response

        if environ.get("PATH_INFO") in self.OPEN_PATHS:
            return self.wsgi_app(environ, start_response)
        host = self.own_host(environ)
        if host is not None:
            environ["HTTP_HOST"] = host
            return self.wsgi_app(environ, start_response)
        refusal = Response("Неверный запрос: этот адрес не принадлежит сайту. Откройте сайт по его имени.\n",
                           status=400, mimetype="text/plain")
        return refusal(environ, start_response)

    def own_host(self, environ) -> str | None:
        """The request's Host as the site spells it ("bank.example.ru", "bank.example.ru:8443"), or None when
        it is not one of the site's names (or names a port the site is not on)."""
        from werkzeug.wsgi import get_host

        # werkzeug leaves out the scheme's default port, and gives "" for a Host of characters no name has
        name, port = _split_host(get_host(environ))
        if not host_name_valid(name):
            return None
        for own_name, own_port, subdomains in self.hosts:
            if (name == own_name or (subdomains and name.endswith("." + own_name))) and port in (None, own_port):
                return name if port is None else f"{name}:{port}"
        return None


def host_name_valid(name: str) -> bool:
    """Whether ``name`` (without a port) is a host name a URL can carry: labels of 1 to 63 characters (a final dot
    may end it) that IDNA encodes, or an IPv6 address in brackets. werkzeug cannot make links for any other
    («a..b», a label of 64 letters): such a request has no URL adapter, and the site's pages cannot be shown."""
    if name.startswith("[") and name.endswith("]"):
        return len(name) > 2
    labels = name.removesuffix(".").split(".")
    if not name or not all(0 < len(label) < 64 for label in labels):
        return False
    try:
        name.encode("idna")
    except UnicodeError:
        return False
    return True


def _split_host(host: str) -> tuple[str, str | None]:
    """("name", "port") of a Host header value (the name lower-cased; an IPv6 address keeps its brackets)."""
    name, colon, port = host.rpartition(":")
    if not colon or (name.startswith("[") and not name.endswith("]")) or not port.isdigit():
        return host.lower(), None
    return name.lower(), port


def _site_host(entry: str) -> tuple[str, str | None, bool]:
    """An entry of SITE_HOSTS as (IDNA name, port or None, whether it takes the subdomains)."""
    entry = entry.strip()
    name, port = _split_host(entry.removeprefix("."))
    with contextlib.suppress(UnicodeError):
        name = name.encode("idna").decode("ascii")  # «банк.рф»: a browser sends the xn-- form
    return name.lower(), port, entry.startswith(".")


def download_disposition(name: str, fallback: str) -> str:
    """Content-Disposition of a download saved as ``name`` (RFC 6266): the name itself as ``filename*``
    (RFC 8187, UTF-8), and an ASCII ``fallback`` for a client that reads only ``filename``."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# The names Windows keeps for devices, in any case, with any extension or none and with spaces or full stops after
# them: «CON», «con.docx», «Aux .pdf», «NUL.tar.gz», «COM1.txt», «LPT¹» (a superscript digit counts as one).
_DEVICE_NAME = re.compile(r"(?:CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]|CONIN\$|CONOUT\$)[ .]*", re.IGNORECASE)


def windows_safe(name: str) -> str:
    """A file name Windows can save: one whose part before the first full stop is a device's name («CON», «prn»,
    «Aux», «NUL», «COM0»…«COM9», «LPT0»…«LPT9», in any case, also before an extension or with spaces after it,
    «con .docx») gets «_» before it: «_CON.docx», «_con .docx»; any other name stays as it is. Attachments'
    names (kb.attachments.services.clean_filename) and downloads named by a title (``download_name``) pass it."""
    return f"_{name}" if _DEVICE_NAME.fullmatch(name.split(".", 1)[0]) else name


MAX_DOWNLOAD_TITLE = 120  # characters of a title in a download's file name

# An HTML tag typed into a title («Курс <i>модуль 1</i>»): «<», a letter (or «/», «!») and no other «<» up to «>»;
# «5 < 7» is no tag. A tag that breaks a line is a space («года<br>2025»), an inline one nothing («<b>Курс</b>ы»).
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9]*|!--)[^<>]*>")
_BREAKING_TAGS = frozenset({"br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
                            "hr", "table", "blockquote", "section", "article", "!--"})


def download_name(title: str, extension: str) -> str:
    """The name a download made of a user-entered title is saved as («Курс для наставников ШНО.docx»), or "" when
    nothing of the title is left (the caller names the file by its number, as its ASCII fallback does anyway).

    Markup typed into the title is not part of the name: HTML entities are read («&laquo;» is «»»), tags dropped
    («<i>модуль 1</i>» is «модуль 1»; kept, clean_filename took out «<», «>» and «/» and left «iмодуль 1-i»). A
    slash is a folder to clean_filename (and to the reader's file system): «ФГОС НОО/ООО» kept only «ООО», and «Курс
    2024/» came out as «docx», with no extension; slashes become hyphens. Characters a file system refuses
    (``<>:"\\|?*``, control characters) go, Cyrillic and «» stay; at most MAX_DOWNLOAD_TITLE characters. A title
    that is a name Windows keeps for a device, «CON», «prn», «COM1», is saved with «_» before it (``windows_safe``):
    «_CON.docx»."""
    from kb.attachments.services import clean_filename  # it names attachments' downloads with this module's help

    text = _TAG.sub(lambda m: " " if m.group(2).lower() in _BREAKING_TAGS else "", html.unescape(title or ""))
    stem = " ".join(text.replace("/", "-").replace("\\", "-").split())[:MAX_DOWNLOAD_TITLE]
    stem, dot, found = clean_filename(f"{stem}.{extension}").rpartition(".")
    # what clean_filename took out («Курс ?», «5 < 7») may leave a space or a hyphen at the end, or two spaces
    stem = " ".join(stem.split()).strip(" .-")
    # checked again: «CON -» is no device's name to clean_filename, but «CON» is, once the hyphen is stripped
    return windows_safe(f"{stem}.{extension}") if dot and found == extension and stem else ""
