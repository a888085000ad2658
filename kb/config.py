"""Default configuration; instance/config.py and the environment override it."""

import os
from pathlib import Path

import click


class DefaultConfig:
    """Settings every instance starts from."""

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_TIME_LIMIT = None
    SEARCH_PER_PAGE = 20
    SEARCH_MAX_PER_PAGE = 100
    SEARCH_MAX_PAGE = 500
    # The CSV of a search holds its matches from the first up to this many (the page says so when there are more).
    SEARCH_EXPORT_MAX = 5000
    # One request (several files at once) and one file; over either the answer is 413 in Russian.
    MAX_CONTENT_LENGTH = 100 * 1024 * 1024
    ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
    # A JSON body of the API (a practice, a transition, a resolution's status); over it the answer is 413. The
    # largest practice there is — 12 sections of 20,000 characters in Cyrillic written as \uXXXX escapes, as
    # Python's json.dumps does by default — takes 1.5 MB; files are separate uploads.
    API_JSON_MAX_BYTES = 2 * 1024 * 1024
    JSON_SORT_KEYS = False
    # The web process is its own index writer: it drains the outbox right after each request that wrote something,
    # and rebuilds a lost or unreadable index in a child process (kb/search/repair.py). False: an `indexer`
    # process does both (production).
    INDEX_SYNC_AFTER_REQUEST = True
    # Fault-injection tests only (KB_INDEX_WRITER_PAUSE): seconds the writer waits between committing a
    # batch to the index and saving its position, so that it can be killed at the worst moment.
    INDEX_WRITER_PAUSE = 0.0
    # /healthz says "index_writer": "behind" when a change has waited longer than this (seconds) for the writer.
    INDEX_WRITER_LAG_ALERT = 120
    # This index copy's name in the list prune-outbox keeps (index_replica); empty: "host:index folder".
    INDEX_NAME = ""
    # Items a collection may hold: its DOCX and PDF are made while the reader waits (bench/collection_exports.py:
    # 500 items take about 2 s each on a 2-core machine; gunicorn gives a request 30).
    COLLECTION_MAX_ITEMS = 500
    # TrueType fonts with Cyrillic embedded in PDF exports (Debian package fonts-dejavu-core).
    PDF_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
    # Fonts for the characters DejaVu has no glyph for (emoji: «Курс 🎓 наставников»), tried in order; a missing file
    # is skipped (Debian package fonts-symbola). A character none of them has is drawn as «□».
    PDF_FALLBACK_FONTS = ("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",)
    # The certificate of inclusion in the bank (/practices/<id>/certificate.pdf): the organisation that keeps the bank
    # and issues it («ГБУ ДПО «Институт развития образования»»; empty: the bank's name alone), and who signs it (the
    # position «Руководитель» and a line to write the name on when empty).
    CERTIFICATE_ISSUER = ""
    CERTIFICATE_SIGNATORY_NAME = ""
    CERTIFICATE_SIGNATORY_POSITION = ""
    # The zone the pages show times in and count statistics' months and today's date by (IANA name): Moscow time
    # by default; a regional bank sets its own ("Asia/Yekaterinburg" shows «МСК+2»). The database keeps UTC.
    TIME_ZONE = "Europe/Moscow"

    # Behind a reverse proxy (nginx): how many proxies stand in front. Each adds its client's address to
    # X-Forwarded-For and says the scheme in X-Forwarded-Proto; with 0 (no proxy) both headers are ignored,
    # since anyone can send them. Without it, behind nginx every visitor has nginx's address: one person's
    # failed logins would lock everyone out, and the rate limits of the API and OAI would be shared by all.
    PROXY_COUNT = 0
    # The host names the site answers to: a request with another Host gets 400 (kb/routing.py). Links the
    # bank gives out (the feed, OAI-PMH, the sitemap, share links, citations) are made from the Host of the
    # request, so in production list the site's names here: ["bank.example.ru"] (mailed links: SITE_URL).
    # Case does not matter; a port passes only when an entry names it ("bank.example.ru:8443") or it is the
    # scheme's default; /healthz answers whatever the Host (a probe sent straight to gunicorn names no site).
    # (Flask's own TRUSTED_HOSTS refuses such a request where no URL can be built, not even its error page's.)
    SITE_HOSTS: list[str] = []
    # The site's address links sent by mail (password reset) are made from: "https://bank.example.ru". Empty: the
    # first SITE_HOSTS entry (https when SESSION_COOKIE_SECURE); with neither, a mail server mails no reset link
    # («Забыли пароль?» is off): one made from a request's Host would lead wherever that request said.
    SITE_URL = ""

    # True: a practice under review is published (on its page, from the queue, through the API, by a registry load)
    # only with a complete expert assessment — all five criteria scored (kb.practices.assessments).
    EXPERT_ASSESSMENT_REQUIRED = False
    # The licence a practice gets unless its author chooses another (kb.vocabularies.data.LICENCES): "all_rights",
    # "cc_by_4", "cc_by_sa_4" or "cc_by_nc_sa_4". The migration that added licences gave it to the practices stored.
    DEFAULT_LICENCE = "all_rights"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Set True in instance/config.py when the site is served over HTTPS.
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Login throttling: memory by default; "redis://127.0.0.1:6379/0" when several workers run.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Flask-Limiter puts the wait until a window resets into every answer under a limit; under the standard
    # name only a 429 (and a 503) carries it (kb/errors.py), a 200 does not.
    RATELIMIT_HEADER_RETRY_AFTER = "X-RateLimit-Retry-After"
    # While that storage (Redis) does not answer, each process counts in its own memory and looks for the
    # storage again after 1, 2, 4… s, instead of failing every request a limit applies to.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;100 per day"
    # Failed logins to one account (by its e-mail), from whatever addresses they come: guessing from many
    # addresses is slowed as well. A successful login is not counted, and the counters end with their window, so
    # the account's owner waits a minute (a day at worst) and is never locked out for good.
    LOGIN_ACCOUNT_RATE_LIMIT = "10 per minute;50 per day"
    # API requests per token (per address without a token).
    API_RATE_LIMIT = "300 per minute;10000 per day"
    # POST /practices/suggestions per signed-in account: reading 200,000 characters of text (or a file) takes a second.
    SUGGESTIONS_RATE_LIMIT = "10 per minute;300 per day"
    # Optional mail for password reset links; without SMTP_HOST the administrator passes the link on.
    SMTP_HOST = ""
    SMTP_PORT = 587
    SMTP_STARTTLS = True
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    MAIL_FROM = "bank@localhost"
    # Whom to write about a forgotten password when there is no SMTP_HOST: the login page names it (MAIL_FROM when
    # empty, unless that is still the default "bank@localhost"; with neither, «попросите администратора банка»).
    SUPPORT_EMAIL = ""
    # URLs in one sitemap file: /sitemap.xml lists them all while they fit, past that it is an index of
    # /sitemap-1.xml, /sitemap-2.xml… (the sitemaps protocol allows 50,000, more is taken as 50,000).
    SITEMAP_MAX_URLS = 50_000
    # OAI-PMH (/oai): records per list page; the e-mail Identify gives (MAIL_FROM when empty); the repository
    # part of identifiers, oai:<it>:practice/<id> (this site's host name when empty; set it in production so
    # identifiers do not change with the address harvesters use).
    OAI_PAGE_SIZE = 100
    # Requests to /oai per address; over it a harvester is told 503 with Retry-After (the protocol's own way).
    OAI_RATE_LIMIT = "300 per minute"
    OAI_ADMIN_EMAIL = ""
    OAI_REPOSITORY_IDENTIFIER = ""
    # werkzeug's scrypt (N=2**15, r=8, p=1): about 80 ms a hash on this hardware.
    PASSWORD_HASH_METHOD = "scrypt"
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )


def instance_defaults(instance_path: str) -> dict:
    """Paths inside the instance folder (the SQLite file, the index, uploads)."""
    root = Path(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'kb.sqlite3'}",
        "INDEX_DIR": str(root / "index"),
        "UPLOAD_DIR": str(root / "uploads"),
    }


# The environment variables that override settings (the environment wins over instance/config.py).
ENVIRONMENT = {
    "KB_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "KB_SECRET_KEY": "SECRET_KEY",
    "KB_INDEX_DIR": "INDEX_DIR",
    "KB_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "KB_TIME_ZONE": "TIME_ZONE",
    "KB_INDEX_WRITER_PAUSE": "INDEX_WRITER_PAUSE",
}


def environment_overrides() -> dict:
    """KB_DATABASE_URL, KB_SECRET_KEY, KB_INDEX_DIR, … from the environment, when set."""
    overrides = {setting: os.environ[variable] for variable, setting in ENVIRONMENT.items()
                 if os.environ.get(variable)}
    if "INDEX_WRITER_PAUSE" in overrides:
        overrides["INDEX_WRITER_PAUSE"] = float(overrides["INDEX_WRITER_PAUSE"])
    return overrides


def setting_origin(name: str, instance_path: str) -> tuple[str, str]:
    """Where the value of setting ``name`` came from, as a message names it: ("KB_TIME_ZONE", "переменная
    окружения"), or ("TIME_ZONE", "/srv/kb/instance/config.py")."""
    for variable, setting in ENVIRONMENT.items():
        if setting == name and os.environ.get(variable):
            return variable, "переменная окружения"
    return name, str(Path(instance_path) / "config.py")


# Files and folders the bank makes that hold secrets (config.py's SECRET_KEY and SMTP_PASSWORD, the SQLite
# database's password hashes, a backup archive with both): its owner's only, whatever the umask (systemd's 022
# left them readable by every local user). Files an operator made keep the mode they have.
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def private_opener(path: str, flags: int) -> int:
    """For open(…, opener=): a file it creates is readable by its owner only."""
    return os.open(path, flags, PRIVATE_FILE)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``; a new file is its owner's only (an existing one keeps its mode)."""
    with open(path, "wb", opener=private_opener) as file:
        file.write(data)


class ConfigurationError(click.ClickException, ValueError):
    """A setting the bank cannot start with; the message (Russian) names the setting and where its value came
    from. Under `flask --app kb …` click shows it as one line and exits with 1, without a traceback (the flask
    command builds the app while it looks for the command); a gunicorn worker stops with it as the last line
    of its traceback."""

    def show(self, file=None) -> None:
        click.secho(self.format_message(), fg="red", err=True)
