"""The ``policysite`` command: thin shells over the library.

Each command parses its options, calls the library and prints; library errors are
``click.ClickException`` subclasses, so an expected failure is one message and exit 1.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from policysite import changes as changes_lib
from policysite import versions as versions_lib
from policysite.config import Settings, load_settings
from policysite.errors import PolicySiteError
from policysite.render.html import render_html
from policysite.render.json import render_json
from policysite.render.markdown import render_markdown
from policysite.render.text import render_text

pass_settings = click.make_pass_decorator(Settings)


class _Date(click.ParamType):  # type: ignore[type-arg]
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD.", param, ctx)


DATE = _Date()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The policy site's folder (where mkdocs.yml is).",
)
@click.version_option(package_name="policysite")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Versioned policy sites from Markdown in git.

    Example: policysite versions privacy --format json
    """
    ctx.obj = load_settings(root)


@main.command("versions")
@click.argument("policy", required=False)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--as-of", type=DATE, help="Decide current/upcoming as on this day (YYYY-MM-DD).")
@pass_settings
def versions_command(
    settings: Settings, policy: str | None, fmt: str, as_of: dt.date | None
) -> None:
    """List every published version of each policy (or of POLICY) from git history.

    Example: policysite versions privacy --as-of 2018-06-01
    """
    policies = versions_lib.load_policies(settings, as_of=as_of)
    if policy:
        policies = [versions_lib.find_policy(policies, policy, settings)]
    if fmt == "json":
        records = [versions_lib.version_record(settings, v) for p in policies for v in p.versions]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Policy", "Version", "Effective", "Status", "Material", "Commit", "Date"):
        table.add_column(column, no_wrap=True)
    for item in policies:
        for version in reversed(item.versions):
            material = {True: "material", False: "editorial", None: "no note"}[version.material]
            table.add_row(
                item.id,
                version.label,
                version.effective.isoformat(),
                version.status,
                material,
                version.commit[:8],
                version.date.date().isoformat(),
            )
    # A pipe gets no terminal width; Rich would then squeeze the table into 80 columns.
    Console(width=None if sys.stdout.isatty() else 120).print(table)


@main.command("diff")
@click.argument("policy", required=False)
@click.argument("from_ref", metavar="[FROM", required=False)
@click.argument("to_ref", metavar="[TO]]", required=False)
@click.option(
    "--base",
    metavar="REV",
    help="Compare every policy at git revision REV with the working tree (what a PR changes).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html", "json"]),
    default="text",
    show_default=True,
)
@pass_settings
def diff_command(
    settings: Settings,
    policy: str | None,
    from_ref: str | None,
    to_ref: str | None,
    base: str | None,
    fmt: str,
) -> None:
    """Show what changed in POLICY between two versions, section by section.

    FROM and TO are version labels or git revisions; without them, the previous version is
    compared with the latest. With --base, every policy that differs between REV and the working
    tree is compared (JSON: a list). FROM later than TO gives a reverse diff.

    Example: policysite diff privacy 1.0 1.1 --format json
    """
    if base is not None:
        if from_ref is not None:
            raise PolicySiteError("give FROM/TO or --base, not both.")
        changes = changes_lib.changes_since(settings, base, policy)
    elif policy is None:
        raise PolicySiteError("give a POLICY (e.g. privacy), or --base REV for every policy.")
    else:
        changes = [changes_lib.change_between(settings, policy, from_ref, to_ref)]
    if fmt == "json":
        records = [render_json(change) for change in changes]
        click.echo(json.dumps(records if base is not None else records[0], indent=2))
    elif fmt == "markdown":
        click.echo(render_markdown(changes, settings), nl=False)
    elif not changes:
        click.echo(f"No policy text changed since {base}.")
    elif fmt == "html":
        prefixes = ["change-"] if len(changes) == 1 else [f"change-{c.policy}-" for c in changes]
        for change, prefix in zip(changes, prefixes, strict=True):
            click.echo(render_html(change, id_prefix=prefix), nl=False)
    else:
        click.echo(
            "\n".join(render_text(change, settings.site_url) for change in changes), nl=False
        )
