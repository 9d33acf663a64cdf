"""The MkDocs plugin: a thin shell that hands the library's pages to MkDocs.

For now it validates its settings with the same code as the CLI; the site pages (archives,
change pages, feed, versions.json) come with the site issue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin

from policysite.config import Settings, settings_from_config


class PolicySiteConfig(Config):  # type: ignore[no-untyped-call]
    changelog_dir = c.Type(str, default="changelog")
    notice_days = c.Type(int, default=30)
    announce_window_days = c.Type(int, default=30)
    locales = c.ListOfItems(c.Type(str), default=["en", "nb"])
    ignore_commits = c.ListOfItems(c.Type(str), default=[])
    service_name = c.Type(str, default="")
    sender_name = c.Type(str, default="")
    sender_email = c.Type(str, default="")
    postal_address = c.Type(str, default="")


class PolicySitePlugin(BasePlugin[PolicySiteConfig]):  # type: ignore[no-untyped-call]
    settings: Settings | None = None

    def on_config(self, config: Any) -> Any:
        root = Path(config.config_file_path or ".").parent
        raw = {
            "docs_dir": Path(config.docs_dir).relative_to(root.resolve()).as_posix(),
            "site_url": config.site_url,
            "site_name": config.site_name,
            "plugins": [{"policysite": dict(self.config)}],
        }
        self.settings = settings_from_config(root.resolve(), raw)
        return config
