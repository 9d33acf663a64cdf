"""Settings of a policy site, read from ``mkdocs.yml`` without importing MkDocs.

The CLI and the MkDocs plugin share these settings: the plugin's own options live under
``plugins: - policysite: {...}``. The policies folder is the plugin's ``policies_dir`` (``.``
for the top of the repository), else MkDocs' ``docs_dir``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import posixpath
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from policysite.errors import ConfigError
from policysite.selection import DEFAULT_INCLUDE, SITE_FOLDERS, Selection, folders_inside

CONFIG_FILE = "mkdocs.yml"
WEBHOOK_EVENTS = ("version.published", "version.effective", "policy.retired")
WEBHOOK_SECRET_ENV = "POLICYSITE_WEBHOOK_SECRET"  # the default `secret_env` of an endpoint


@dataclass(frozen=True)
class WebhookEndpoint:
    """Where ``webhooks send`` posts events: the URL is its identity in the store."""

    url: str
    events: tuple[str, ...] = WEBHOOK_EVENTS
    # The name of the environment variable holding the signing secret (whsec_…), never the
    # secret itself: mkdocs.yml is in git for everyone to read.
    secret_env: str = WEBHOOK_SECRET_ENV
    timeout: float = 10.0  # seconds for one attempt: connecting, sending, the answer


@dataclass(frozen=True)
class Settings:
    """Everything the library needs to know about one site."""

    root: Path
    # The policies folder, relative to root ("" for root itself): `policies_dir`, else MkDocs'
    # docs_dir. History, the working tree, check and the selection read it.
    docs_dir: str = "policies"
    # MkDocs' own docs_dir (relative to root): the folder MkDocs requires and walks; the
    # policies folder unless `policies_dir` names another (e.g. the top of the repository).
    site_docs_dir: str = "policies"
    site_dir: str = "site"  # where MkDocs writes the built site
    changelog_dir: str = "changelog"
    notice_days: int = 30
    announce_window_days: int = 30
    locales: tuple[str, ...] = ("en", "nb")
    site_url: str = ""
    site_name: str = "Policies"
    # Commits already on main that broke a rule and cannot be rewritten: skipped when reading
    # history. A way out for a past mistake, listed in mkdocs.yml for everyone to see.
    ignore_commits: tuple[str, ...] = ()
    service_name: str = ""  # what users hold an account with ("Videxio"); mail says so
    sender_name: str = ""
    sender_email: str = ""
    postal_address: str = ""
    # Locales whose note translation a material version must have (check: an error, not a
    # warning); every one of them is in ``locales``.
    required_locales: tuple[str, ...] = ()
    # The notice mail's legal wording, per locale: {"nb": {"opening": …, "footer": …}}; a
    # locale or key left out gets the template's neutral default (site_templates/email/).
    notice_wording: dict[str, dict[str, str]] = field(default_factory=dict)
    # Locales whose translation is binding beside the source: it must change with every new
    # source version (check), and its pages say both texts are binding.
    binding_locales: tuple[str, ...] = ()
    # What a translation's pages say of the binding text, per locale, instead of the site's
    # default ("Translation for information; the English text prevails").
    binding_statement: dict[str, str] = field(default_factory=dict)
    # False: the site mails nobody, and `notify` says so (instead of passing without a store).
    notifications: bool = True
    # False: no PDF per version (the build then needs neither WeasyPrint's Pango nor fonts).
    pdf: bool = True
    # Which files of the policies folder are policies (globs as in .gitignore; see selection).
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    # "python" (Python-Markdown as configured) or "gfm": GitHub's lists, autolinks, task lists.
    markdown: str = "python"
    # The origin of the site the texts came from: links to no page of this site go there.
    link_base: str | None = None
    # False (adopted repositories): a version without a changelog note says nothing about it.
    show_missing_notes: bool = True
    # The commit `policysite adopt` adopted the repository at: history before it is grandfathered
    # by `check` (its texts were published elsewhere, under other rules).
    adopted_at: str | None = None
    webhooks: tuple[WebhookEndpoint, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def selection(self) -> Selection:
        """The rule that picks the policy files out of the policies folder."""
        own = (self.changelog_dir, self.site_docs_dir, self.site_dir, *SITE_FOLDERS)
        return Selection(
            self.include, self.exclude, self.locales, folders_inside(self.docs_dir, own)
        )

    @property
    def policies_apart(self) -> bool:
        """Whether the policies folder is not MkDocs' docs_dir (the plugin hands MkDocs the
        policies folder's files itself)."""
        return self.docs_dir != self.site_docs_dir

    def policy_path(self, relative: str) -> str:
        """A file of the policies folder (``relative`` to it) as a path from the site root."""
        return posixpath.join(self.docs_dir, relative) if self.docs_dir else relative

    def in_policies(self, path: str) -> str:
        """A path from the site root as a path inside the policies folder."""
        return path.removeprefix(self.docs_dir + "/") if self.docs_dir else path

    @property
    def policies_folder(self) -> str:
        """The policies folder as messages name it ("in policies/", "outside policies/"), or at
        the top "the repository"."""
        return f"{self.docs_dir}/" if self.docs_dir else "the repository"

    @property
    def adopt_mode(self) -> bool:
        """An adopted repository: its texts are published as they are, one version a day."""
        return self.adopted_at is not None

    @property
    def docs_path(self) -> Path:
        return self.root / self.docs_dir

    @property
    def changelog_path(self) -> Path:
        return self.root / self.changelog_dir


class _TolerantLoader(yaml.SafeLoader):
    """Safe YAML that ignores MkDocs' ``!!python/name:`` and ``!ENV`` tags instead of failing."""


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    return None


_TolerantLoader.add_multi_constructor("!", _ignore_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)

_INT_OPTIONS = ("notice_days", "announce_window_days")
_STR_OPTIONS = ("changelog_dir", "service_name", "sender_name", "sender_email", "postal_address")
_BOOL_OPTIONS = ("notifications", "pdf", "show_missing_notes")
_LIST_OPTIONS = ("locales", "ignore_commits", "include", "exclude")
_KNOWN_OPTIONS = {*_INT_OPTIONS, *_STR_OPTIONS, *_BOOL_OPTIONS, *_LIST_OPTIONS, "enabled"}
_KNOWN_OPTIONS |= {"policies_dir"}
_KNOWN_OPTIONS |= {"required_locales", "notice_wording", "markdown", "link_base", "adopted_at"}
_KNOWN_OPTIONS |= {"webhooks"}
MARKDOWN_FLAVOURS = ("python", "gfm")
_KNOWN_OPTIONS |= {"binding_locales", "binding_statement"}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENDPOINT_KEYS = ("url", "events", "secret_env", "timeout")
WORDING_KEYS = ("opening", "footer")  # the notice's sentences an organisation words itself


def plugin_options(config: dict[str, Any]) -> dict[str, Any] | None:
    """The ``policysite`` entry of a loaded mkdocs.yml's ``plugins``, or None if absent."""
    plugins = config.get("plugins") or []
    if isinstance(plugins, dict):
        entry = plugins.get("policysite")
        return dict(entry or {}) if "policysite" in plugins else None
    for item in plugins:
        if item == "policysite":
            return {}
        if isinstance(item, dict) and "policysite" in item:
            return dict(item["policysite"] or {})
    return None


def read_config_text(text: str) -> Any:
    """A mkdocs.yml's text as data, MkDocs' own tags ignored (raises yaml.YAMLError)."""
    return yaml.load(text, Loader=_TolerantLoader) or {}


def load_settings(root: Path | str = ".") -> Settings:
    """Read ``mkdocs.yml`` in ``root``; defaults apply where it is absent or silent."""
    root = Path(root).resolve()
    path = root / CONFIG_FILE
    if not path.exists():
        return Settings(root=root)
    try:
        config = read_config_text(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise ConfigError(
            f"is not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax.",
            path=CONFIG_FILE,
            line=line + 1 if line is not None else None,
        ) from None
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8; save it as UTF-8.", path=CONFIG_FILE) from None
    if not isinstance(config, dict):
        raise ConfigError("must be a mapping of settings.", path=CONFIG_FILE)
    return settings_from_config(root, config)


def settings_from_config(root: Path, config: dict[str, Any]) -> Settings:
    """Validate the plugin options in an already loaded MkDocs config mapping."""
    options = plugin_options(config) or {}
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key in options:
        if key not in _KNOWN_OPTIONS:
            problems.append(f"unknown option '{key}' (known: {', '.join(sorted(_KNOWN_OPTIONS))})")
    for key in _INT_OPTIONS:
        if key in options:
            value = options[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.append(f"'{key}' must be a whole number of days ≥ 0, not {value!r}")
            else:
                values[key] = value
    for key in _STR_OPTIONS:
        if key in options:
            if not isinstance(options[key], str):
                problems.append(f"'{key}' must be text, not {options[key]!r}")
            else:
                values[key] = options[key]
    for key in _LIST_OPTIONS:
        if key in options:
            value = options[key]
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                problems.append(f"'{key}' must be a list of text values, not {value!r}")
            elif key == "locales" and not value:
                problems.append("'locales' needs at least one locale, e.g. [en]")
            else:
                values[key] = tuple(value)
    _read_locale_options(options, values.get("locales", Settings.locales), problems, values)
    for key in _BOOL_OPTIONS:
        if key in options:
            if not isinstance(options[key], bool):
                problems.append(f"'{key}' must be true or false, not {options[key]!r}")
            else:
                values[key] = options[key]
    _read_adoption_options(options, problems, values)
    if "webhooks" in options:
        values["webhooks"] = read_webhooks(options["webhooks"], problems)
    if problems:
        raise ConfigError("plugin 'policysite': " + "; ".join(problems) + ".", path=CONFIG_FILE)
    docs_dir = config.get("docs_dir", "policies")
    if not isinstance(docs_dir, str) or not docs_dir:
        raise ConfigError("'docs_dir' must be a folder name, e.g. policies.", path=CONFIG_FILE)
    docs_dir = docs_dir.strip("/")
    policies_dir = _read_policies_dir(options.get("policies_dir"), docs_dir)
    site_url = config.get("site_url") or ""
    if site_url and not site_url.endswith("/"):
        site_url += "/"
    site_dir = config.get("site_dir") or "site"
    return Settings(
        root=root,
        docs_dir=policies_dir,
        site_docs_dir=docs_dir,
        site_dir=site_dir.strip("/") if isinstance(site_dir, str) else "site",
        site_url=site_url,
        site_name=str(config.get("site_name") or "Policies"),
        extra=config,
        **values,
    )


def _read_policies_dir(value: Any, docs_dir: str) -> str:
    """The policies folder: ``policies_dir`` (relative to mkdocs.yml's folder, ``.`` for that
    folder itself, as "") or, left out, MkDocs' docs_dir."""
    if value is None:
        return docs_dir
    text = value.strip() if isinstance(value, str) else ""
    folder = posixpath.normpath(text.replace("\\", "/")) if text else ""
    if not folder or posixpath.isabs(folder) or folder == ".." or folder.startswith("../"):
        raise ConfigError(
            f"plugin 'policysite': 'policies_dir' must be a folder inside the repository, "
            f"relative to mkdocs.yml (e.g. policies, or . for the top), not {value!r}.",
            path=CONFIG_FILE,
        )
    return "" if folder == "." else folder


def _read_adoption_options(
    options: dict[str, Any], problems: list[str], values: dict[str, Any]
) -> None:
    """``markdown``, ``link_base`` and ``adopted_at``: how an adopted repository is published."""
    flavour = options.get("markdown", "python")
    if flavour not in MARKDOWN_FLAVOURS:
        flavours = ", ".join(MARKDOWN_FLAVOURS)
        problems.append(f"'markdown' must be one of {flavours}, not {flavour!r}")
    else:
        values["markdown"] = flavour
    base = options.get("link_base")
    if base is not None:
        if not isinstance(base, str) or not re.fullmatch(r"https?://[^/\s?#]+/?", base):
            problems.append(
                f"'link_base' must be an origin such as https://docs.example.com, not {base!r}"
            )
        else:
            values["link_base"] = base.rstrip("/")
    adopted = options.get("adopted_at")
    if adopted is not None:
        if not isinstance(adopted, str) or not re.fullmatch(r"[0-9a-f]{7,40}", adopted):
            problems.append(
                f"'adopted_at' must be the commit `policysite adopt` recorded, not {adopted!r}"
            )
        else:
            values["adopted_at"] = adopted


def _read_locale_options(
    options: dict[str, Any], locales: tuple[str, ...], problems: list[str], values: dict[str, Any]
) -> None:
    """``required_locales``, ``binding_locales``, ``binding_statement`` and ``notice_wording``:
    each locale they name is one of ``locales``."""
    for key in ("required_locales", "binding_locales"):
        required = options.get(key, [])
        if not isinstance(required, list) or not all(isinstance(v, str) and v for v in required):
            problems.append(f"'{key}' must be a list of locales, not {required!r}")
            continue
        unknown = [v for v in required if v not in locales]
        if unknown:
            problems.append(
                f"'{key}' names {', '.join(unknown)}, which is not in 'locales' "
                f"({', '.join(locales)}); add it there or remove it here"
            )
        values[key] = tuple(required)
    statements = options.get("binding_statement") or {}
    if not isinstance(statements, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in statements.items()
    ):
        problems.append(
            "'binding_statement' must map a locale to the sentence its translation shows, e.g. "
            'binding_statement: {nb: "Begge tekstene er bindende."}'
        )
    else:
        unknown = [k for k in statements if k not in locales]
        if unknown:
            problems.append(
                f"'binding_statement' names {', '.join(unknown)}, which is not in 'locales' "
                f"({', '.join(locales)})"
            )
        values["binding_statement"] = {k: " ".join(v.split()) for k, v in statements.items()}
    wording = options.get("notice_wording") or {}
    example = 'e.g. notice_wording: {nb: {footer: "Du får denne meldingen fordi …"}}'
    if not isinstance(wording, dict):
        problems.append(f"'notice_wording' must map a locale to its sentences, {example}")
        return
    found: dict[str, dict[str, str]] = {}
    for locale, sentences in wording.items():
        if locale not in locales:
            problems.append(
                f"'notice_wording' has sentences for '{locale}', which is not in 'locales' "
                f"({', '.join(locales)})"
            )
        elif not isinstance(sentences, dict) or not all(
            key in WORDING_KEYS and isinstance(text, str) for key, text in sentences.items()
        ):
            problems.append(
                f"'notice_wording' for '{locale}' must give text for "
                f"{' and/or '.join(WORDING_KEYS)}, not {sentences!r}"
            )
        else:
            found[locale] = {key: " ".join(text.split()) for key, text in sentences.items()}
    values["notice_wording"] = found


def read_webhooks(raw: Any, problems: list[str]) -> tuple[WebhookEndpoint, ...]:
    """The ``webhooks:`` list; every problem is added to ``problems`` (reported together)."""
    example = (
        "e.g. webhooks: [{url: https://app.example.com/hooks/policies, events: "
        "[version.published], secret_env: APP_WEBHOOK_SECRET}]"
    )
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"'webhooks' must be a list of endpoints, {example}")
        return ()
    found: list[WebhookEndpoint] = []
    for number, entry in enumerate(raw, start=1):
        where = f"webhooks entry {number}"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a mapping with url, events, secret_env, {example}")
            continue
        if "secret" in entry:
            problems.append(
                f"{where} has a 'secret': mkdocs.yml is in git for everyone to read; remove it, "
                "rotate that secret, and name the environment variable that holds the new one "
                f"with secret_env (default {WEBHOOK_SECRET_ENV})"
            )
            continue
        unknown = sorted(str(key) for key in entry if key not in _ENDPOINT_KEYS)
        if unknown:
            problems.append(
                f"{where} has unknown key(s) {', '.join(unknown)} "
                f"(known: {', '.join(_ENDPOINT_KEYS)})"
            )
        url = entry.get("url")
        url_problem = _webhook_url_problem(url)
        if url_problem:
            problems.append(f"{where}: {url_problem}")
        events = entry.get("events", list(WEBHOOK_EVENTS))
        if (
            not isinstance(events, list)
            or not events
            or not all(isinstance(e, str) and e in WEBHOOK_EVENTS for e in events)
        ):
            problems.append(
                f"{where}: 'events' must be a list of one or more of {', '.join(WEBHOOK_EVENTS)}, "
                f"not {events!r}"
            )
        secret_env = entry.get("secret_env", WEBHOOK_SECRET_ENV)
        if not isinstance(secret_env, str) or not _ENV_NAME.fullmatch(secret_env):
            problems.append(
                f"{where}: 'secret_env' must name an environment variable (letters, digits, _), "
                f"e.g. APP_WEBHOOK_SECRET, not {secret_env!r}"
            )
        timeout = entry.get("timeout", 10)
        if (
            not isinstance(timeout, int | float)
            or isinstance(timeout, bool)
            or not 0 < timeout <= 60
        ):
            problems.append(
                f"{where}: 'timeout' must be seconds, more than 0 and at most 60, not {timeout!r}"
            )
        if isinstance(url, str) and any(e.url == url for e in found):
            problems.append(f"{where}: the url {url} is listed twice; list each endpoint once")
            continue
        if (
            isinstance(url, str)
            and url_problem is None
            and isinstance(events, list)
            and isinstance(secret_env, str)
        ):
            found.append(
                WebhookEndpoint(
                    url=url,
                    events=tuple(e for e in WEBHOOK_EVENTS if e in events),
                    secret_env=secret_env,
                    timeout=float(timeout) if isinstance(timeout, int | float) else 10.0,
                )
            )
    return tuple(found)


def _webhook_url_problem(url: Any) -> str | None:
    """Why ``url`` cannot be a webhook endpoint (None: it can): https, or http to this machine."""
    if not isinstance(url, str) or not url.strip():
        return (
            "'url' is missing; give the application's endpoint, e.g. https://app.example.com/hooks"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"'url' {url!r} is not an http(s) URL; write e.g. https://app.example.com/hooks"
    if parts.username or parts.password:
        return (
            "'url' holds a user name or password, and mkdocs.yml is in git for everyone to read; "
            "remove it (the signature proves the sender)"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        return (
            f"'url' {url!r} is plain http to another machine: events would cross the network "
            "readable by anyone on the way; use https (http is only for this machine, 127.0.0.1)"
        )
    return None


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (``localhost``, 127.0.0.0/8, ``::1``): the one place
    plain http (webhooks) or SMTP without TLS (notices) is allowed to go."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def today() -> dt.date:
    """Today, or the date in ``POLICYSITE_TODAY`` (tests and previews of an upcoming switch)."""
    value = os.environ.get("POLICYSITE_TODAY")
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"POLICYSITE_TODAY={value!r} is not a date; write it as YYYY-MM-DD or unset it."
        ) from None
