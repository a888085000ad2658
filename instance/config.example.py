# Copy to instance/config.py and adjust. The environment overrides these:
# KB_INSTANCE (this folder), KB_DATABASE_URL, KB_SECRET_KEY, KB_INDEX_DIR, KB_RATELIMIT_STORAGE_URI, KB_TIME_ZONE.
# In production run every command as the services' user (sudo -u kb .venv/bin/flask --app kb …, README «Продакшен»).

# Required: a long random string, the same for all processes of the bank, e.g.
# python3 -c 'import secrets; print(secrets.token_hex(32))'. Without one, or with this example, the bank
# does not start (every form needs it).
SECRET_KEY = "change-me-to-a-long-random-string"

# PostgreSQL in production (psycopg 3). A password with @ / # % : ? is written percent-encoded
# (python3 -c 'import urllib.parse; print(urllib.parse.quote("p@ss/word", safe=""))' gives p%40ss%2Fword):
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://kb:password@127.0.0.1:5432/kb"

# Where the search index lives (default: instance/index):
# INDEX_DIR = "/var/lib/kb/index"

# Where attached files live (default: instance/uploads); several instances share one folder:
# UPLOAD_DIR = "/var/lib/kb/uploads"

# This index copy's name in the change log's list of copies (flask --app kb prune-outbox);
# default: host name and index folder.
# INDEX_NAME = "web-1"

# Results per page in search (the API accepts per_page up to SEARCH_MAX_PER_PAGE):
# SEARCH_PER_PAGE = 20
# Matches in the CSV of a search (from the first; the page says so when there are more):
# SEARCH_EXPORT_MAX = 5000

# Behind nginx (or another reverse proxy): how many proxies stand in front, so that rate limits see each
# visitor's own address (X-Forwarded-For) and links use https (X-Forwarded-Proto). 0: no proxy.
# PROXY_COUNT = 1

# The site's host names: a request for any other Host gets 400 (links in the feed, OAI-PMH and the sitemap
# are made from the Host a request names). Case does not matter; a port other than
# 80/443 must be named ("localhost:5000"); ".bank.example.ru" takes the subdomains too; /healthz answers any Host.
# SITE_HOSTS = ["bank.example.ru"]

# The address links sent by mail (password reset) start with; never the Host of a request, which anyone can
# send. Empty: the first SITE_HOSTS entry (https when SESSION_COOKIE_SECURE). With SMTP_HOST but neither set,
# reset links are not mailed and «Забыли пароль?» is off.
# SITE_URL = "https://bank.example.ru"

# The zone pages show times in (the database keeps UTC) and statistics count months by: an IANA name.
# Moscow time by default; a bank of Chelyabinsk oblast: «Asia/Yekaterinburg» (pages say «МСК+2»).
# TIME_ZONE = "Europe/Moscow"

# True: a practice under review is published only with a complete expert assessment (all five criteria scored,
# README «Экспертная оценка»): on its page, from the queue, through the API; a registry load with publication
# leaves such practices under review. Off by default.
# EXPERT_ASSESSMENT_REQUIRED = False

# The certificate of inclusion in the bank (README «Справка о размещении опыта в банке»): who issues it (empty: the
# bank's name alone) and who signs it (empty: «Руководитель» and a line to write the name on).
# CERTIFICATE_ISSUER = "ГБУ ДПО «Институт развития образования»"
# CERTIFICATE_SIGNATORY_POSITION = "Проректор"
# CERTIFICATE_SIGNATORY_NAME = "С. В. Кузнецова"

# Mail for password-reset links and notices (without SMTP_HOST the administrator passes a reset link on):
# SMTP_HOST = "smtp.example.ru"
# SMTP_PORT = 587
# STARTTLS after connecting (default True); False only for a server without it. Port 465 (TLS from the first
# byte) is not supported.
# SMTP_STARTTLS = True
# SMTP_USER = "bank@example.ru"
# SMTP_PASSWORD = "…"
# MAIL_FROM = "bank@example.ru"
# With SMTP_HOST the login page offers «Забыли пароль?» (/reset: a link by mail). Without it the page names
# whom to write to: SUPPORT_EMAIL (MAIL_FROM when empty and not the default "bank@localhost").
# SUPPORT_EMAIL = "metodist@example.ru"

# OAI-PMH (/oai): the repository name in identifiers, oai:<it>:practice/<id> — set it, so that identifiers
# do not change with the address harvesters use; the e-mail Identify gives (MAIL_FROM when empty).
# OAI_REPOSITORY_IDENTIFIER = "bank.example.ru"
# OAI_ADMIN_EMAIL = "admin@example.ru"

# Behind HTTPS only: the browser then sends the session cookie over https alone, and over plain http (gunicorn
# tried directly) signing in answers «Форма устарела…». Turn it on once TLS is in front.
# SESSION_COOKIE_SECURE = True

# How new passwords are hashed (a werkzeug method; stored hashes are checked by their own):
# PASSWORD_HASH_METHOD = "scrypt"     # or "pbkdf2:sha256:600000"
# The Content-Security-Policy header of the pages; change it only to allow an outside counter or fonts
# (default: kb/config.py, everything from this site only).
# CONTENT_SECURITY_POLICY = "default-src 'self'; …"

# Several gunicorn workers: shared rate-limit counters in Redis, and the index written by `flask --app kb indexer` only.
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"
# INDEX_SYNC_AFTER_REQUEST = False
