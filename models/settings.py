"""Settings: every knob of Retombées, read once from ``RETOMBEES_*`` environment variables.

The table ``SETTINGS`` is the single source of truth: name, default, type and one line of help.
Entry points (the CLI, ``create_app``, the crawler's ``from_crawler``, the scheduler) build one
frozen :class:`Settings` and pass it down; components never read the environment themselves.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from .netguard import parse_networks

PREFIX = "RETOMBEES_"
# The placeholder of deploy/retombees.env.example: a key everyone can read is no secret.
PLACEHOLDER = "CHANGE-ME"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True)
class Setting:
    """One documented setting."""

    name: str  # attribute name; the variable is PREFIX + name.upper()
    default: str
    help: str
    type: type = str

    @property
    def env(self) -> str:
        return PREFIX + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("instance_path", "instance", "Folder for the SQLite database, secret key and files."),
    Setting(
        "database_url",
        "",
        "SQLAlchemy URL of the database; empty means SQLite at INSTANCE_PATH/retombees.db.",
    ),
    Setting("secret_key", "", "Flask secret key; empty means one generated in INSTANCE_PATH."),
    Setting(
        "redis_url",
        "",
        "Redis URL; crawl processes that share it share one request queue and duplicate filter.",
    ),
    Setting("host", "127.0.0.1", "Address the web server listens on."),
    Setting("port", "5000", "Port the web server listens on.", int),
    Setting("web_workers", "2", "Number of web server worker processes.", int),
    Setting(
        "dashboard_wait",
        "1",
        "Seconds the dashboard waits for figures being computed in the background; older "
        "figures that took longer to compute are shown at once, dated, until then.",
        float,
    ),
    Setting(
        "secure_cookies",
        "false",
        "Send the session cookie over HTTPS only (set true when served behind HTTPS).",
        bool,
    ),
    Setting(
        "trusted_proxies",
        "0",
        "Reverse proxies in front of the web server (1 behind nginx): the client's address is "
        "read from their X-Forwarded-For; 0 ignores that header.",
        int,
    ),
    Setting(
        "login_rate_limit",
        "5 per minute;30 per hour",
        "Login attempts allowed per address (Flask-Limiter notation; Redis-backed if set).",
    ),
    Setting("admin_user", "admin", "User name of the administrator created on first run."),
    Setting(
        "admin_password",
        "",
        "Password of that administrator; empty means a random one, printed once.",
    ),
    Setting("language", "fr", "Default interface language (fr or en)."),
    Setting("contact_url", "https://example.org/retombees", "Contact address sent in User-Agent."),
    Setting("obey_robots", "true", "Obey robots.txt when crawling.", bool),
    Setting(
        "allowed_networks",
        "",
        "Comma-separated address ranges (CIDR) that sources may reach although private or "
        "local, e.g. 10.0.0.0/8.",
    ),
    Setting("download_timeout", "30", "Seconds before a page or feed download is abandoned.", int),
    Setting("max_page_bytes", "10000000", "Largest page or feed downloaded, in bytes.", int),
    Setting("crawl_timeout", "1800", "Seconds before a whole crawl process is stopped.", int),
    Setting(
        "crawl_processes",
        "1",
        "Crawler processes the scheduler starts for each crawl; more than 1 needs "
        "RETOMBEES_REDIS_URL (they share its request queue).",
        int,
    ),
    Setting("concurrency_per_domain", "2", "Parallel requests to one site while crawling.", int),
    Setting("process_batch", "32", "Coverage rows claimed per NLP batch.", int),
    Setting("process_interval", "60", "Seconds between two NLP batches in the scheduler.", int),
    Setting("source_check_interval", "60", "Seconds between two looks for sources due.", int),
    Setting("snapshot_days", "365", "Days the HTML snapshot of a clip is kept (0: forever).", int),
    Setting(
        "web_article_share",
        "0.0002",
        "Share of an outlet's monthly visits that view one web article.",
        float,
    ),
    Setting(
        "web_impressions_per_view", "1", "Ad impressions counted per article view (web AVE).", float
    ),
    Setting("weeks_per_month", "4.33", "Turns visits per week into visits per month.", float),
    Setting(
        "broadcast_reach_share",
        "0.1",
        "Audience of one TV/radio passage as a share of the daily reach.",
        float,
    ),
    Setting(
        "print_page_area_cm2",
        "897",
        "Printable page area, to turn cm² into a page fraction.",
        float,
    ),
    Setting("ave_multiplier", "1", "Multiplier on every AVE; other than 1 shows a warning.", float),
    Setting(
        "rate_age_warning_years", "5", "Warn when the rate card is this many years older.", int
    ),
    Setting("seed_example", "true", "Set up the Bassin minier example on a new database.", bool),
    Setting("organisation_name", "Mission Bassin Minier", "Name on press book covers and mail."),
    Setting("organisation_logo", "", "Path of a PNG, JPEG or SVG logo for press book covers."),
    Setting("brand_colour", "#1f4e79", "Main colour of press books (#rrggbb)."),
    Setting("accent_colour", "#c55a11", "Second colour of press books (#rrggbb)."),
    Setting("smtp_host", "", "SMTP server for digests; empty means no mail is sent (queued)."),
    Setting("smtp_port", "587", "SMTP port.", int),
    Setting("smtp_user", "", "SMTP user name; empty means no login."),
    Setting("smtp_password", "", "SMTP password (secret: set it in the environment)."),
    Setting("smtp_security", "starttls", "starttls, ssl or none."),
    Setting("mail_from", "retombees@localhost", "Sender address of the mail Retombées sends."),
    Setting("base_url", "http://127.0.0.1:5000", "Address of the interface, for links in mail."),
    Setting("digest_hour", "8:30", "Paris time of the daily digest to press officers (H:MM)."),
    Setting("weekly_summary_day", "mon", "Day of the weekly summary to management (mon…sun)."),
    Setting("mail_max_attempts", "5", "Attempts before a mail is shown as failed.", int),
    Setting("log_level", "INFO", "Log level: DEBUG, INFO, WARNING or ERROR."),
)

_TRUE = {"1", "true", "yes", "on", "oui"}
_FALSE = {"0", "false", "no", "off", "non", ""}


def _convert(setting: Setting, raw: str):
    if setting.type is bool:
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise SettingsError(f"{setting.env} must be true or false, not {raw!r}.")
    if setting.type is int:
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{setting.env} must be a whole number, not {raw!r}.") from None
    if setting.type is float:
        try:
            return float(raw.replace(",", "."))
        except ValueError:
            raise SettingsError(f"{setting.env} must be a number, not {raw!r}.") from None
    return raw


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one process."""

    instance_path: Path
    database_url: str
    secret_key: str
    redis_url: str
    host: str
    port: int
    web_workers: int
    dashboard_wait: float
    secure_cookies: bool
    trusted_proxies: int
    login_rate_limit: str
    admin_user: str
    admin_password: str
    language: str
    contact_url: str
    obey_robots: bool
    allowed_networks: str
    download_timeout: int
    max_page_bytes: int
    crawl_timeout: int
    crawl_processes: int
    concurrency_per_domain: int
    process_batch: int
    process_interval: int
    source_check_interval: int
    snapshot_days: int
    web_article_share: float
    web_impressions_per_view: float
    weeks_per_month: float
    broadcast_reach_share: float
    print_page_area_cm2: float
    ave_multiplier: float
    rate_age_warning_years: int
    seed_example: bool
    organisation_name: str
    organisation_logo: str
    brand_colour: str
    accent_colour: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_security: str
    mail_from: str
    base_url: str
    digest_hour: str
    weekly_summary_day: str
    mail_max_attempts: int
    log_level: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Build settings from ``environ`` (default ``os.environ``), then apply ``overrides``.

        :raises SettingsError: when a value has the wrong type.
        """
        environ = os.environ if environ is None else environ
        values = {}
        for setting in SETTINGS:
            if setting.name in overrides:
                values[setting.name] = overrides.pop(setting.name)
            else:
                values[setting.name] = _convert(setting, environ.get(setting.env, setting.default))
        if overrides:
            raise SettingsError(f"Unknown settings: {', '.join(sorted(overrides))}.")
        instance = Path(values["instance_path"]).expanduser().resolve()
        values["instance_path"] = instance
        if not values["database_url"]:
            values["database_url"] = f"sqlite:///{instance / 'retombees.db'}"
        for name in ("brand_colour", "accent_colour"):
            if not re.fullmatch(r"#[0-9a-fA-F]{6}", values[name]):
                raise SettingsError(
                    f"{PREFIX}{name.upper()} must be #rrggbb, not {values[name]!r}."
                )
        if values["smtp_security"] not in ("starttls", "ssl", "none"):
            raise SettingsError(f"{PREFIX}SMTP_SECURITY must be starttls, ssl or none.")
        if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", values["digest_hour"]):
            raise SettingsError(f"{PREFIX}DIGEST_HOUR must be H:MM, not {values['digest_hour']!r}.")
        if values["weekly_summary_day"] not in WEEKDAYS:
            raise SettingsError(f"{PREFIX}WEEKLY_SUMMARY_DAY must be one of {', '.join(WEEKDAYS)}.")
        try:
            parse_networks(values["allowed_networks"])
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        if PLACEHOLDER in values["secret_key"].upper():
            raise SettingsError(
                f"{PREFIX}SECRET_KEY is still the example's placeholder: set a long random value "
                "(python -c 'import secrets; print(secrets.token_hex(32))'), or leave it empty "
                "for one generated and kept in the instance folder."
            )
        if values["language"] not in ("fr", "en"):
            raise SettingsError(f"{PREFIX}LANGUAGE must be fr or en, not {values['language']!r}.")
        return cls(**values)

    @property
    def user_agent(self) -> str:
        return f"Retombees/0.1 (+{self.contact_url})"

    def ensure_instance(self) -> Path:
        """Create the instance folder if needed and return it."""
        self.instance_path.mkdir(parents=True, exist_ok=True)
        return self.instance_path

    def resolved_secret_key(self) -> str:
        """Return the secret key, generating and keeping one in the instance folder if unset.

        Web workers starting together on a new instance agree on one key: each writes a
        candidate to a file of its own (readable by the service's user only, from the start),
        and only the first is linked into place.
        """
        if self.secret_key:
            return self.secret_key
        path = self.ensure_instance() / "secret_key"
        if not path.exists():
            fd, candidate = tempfile.mkstemp(prefix=".secret_key.", dir=path.parent)  # mode 0600
            try:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_hex(32))
                try:
                    os.link(candidate, path)
                except FileExistsError:
                    pass  # another process was first: its key is the key
            finally:
                os.unlink(candidate)
        return path.read_text().strip()

    def to_env(self) -> dict[str, str]:
        """Return these settings as environment variables, for a child process."""
        env = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                value = "true" if value else "false"
            env[PREFIX + f.name.upper()] = str(value)
        return env
