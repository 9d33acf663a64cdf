"""The ``policysite`` command: thin shells over the library.

Each command parses its options, calls the library and prints; library errors are
``click.ClickException`` subclasses, so an expected failure is one message and exit 1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from policysite import changes as changes_lib
from policysite import urls
from policysite import versions as versions_lib
from policysite.config import Settings, load_settings, today
from policysite.errors import PolicySiteError
from policysite.render.html import render_html
from policysite.render.json import render_json
from policysite.render.markdown import render_markdown
from policysite.render.text import redline_lines, render_terminal, render_text, render_words
from policysite.sanitize import sanitize_html, terminal_text

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
    type=click.Path(exists=True, file_okay=False, path_type=Path),
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
@click.option(
    "--all",
    "audit",
    is_flag=True,
    help="Every commit that touched a policy, and what became of its text (for auditors).",
)
@pass_settings
def versions_command(
    settings: Settings, policy: str | None, fmt: str, as_of: dt.date | None, audit: bool
) -> None:
    """List every published version of each policy (or of POLICY) from git history.

    With --all, every commit that touched a policy's file: the versions, and the texts that
    are none (replaced the same day, or changing only front matter the site does not show).

    Example: policysite versions privacy --as-of 2018-06-01
    """
    if audit:
        _print_audit(versions_lib.load_audit(settings, policy), fmt)
        return
    policies = versions_lib.load_policies(settings, as_of=as_of)
    if policy:
        policies = [versions_lib.find_policy(policies, policy, settings)]
    if fmt == "json":
        records = [versions_lib.version_record(settings, v) for p in policies for v in p.versions]
        records += [r for p in policies for r in versions_lib.translation_records(settings, p)]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Policy", "Version", "Effective", "Status", "Material", "Commit", "Date"):
        table.add_column(column, no_wrap=True)
    for item in policies:
        for version in reversed(item.versions):
            material = {True: "material", False: "editorial", None: "no note"}[version.material]
            table.add_row(
                *_cells(
                    item.id,
                    version.label,
                    version.effective.isoformat(),
                    version.status,
                    material,
                    version.commit[:8],
                    version.date.date().isoformat(),
                )
            )
        for translation in item.translations:
            latest = translation.latest
            table.add_row(
                f"{item.id} ({translation.locale})",
                f"→ {latest.translates}",
                "",
                latest.status,
                "translation",
                latest.commit[:8],
                latest.date.date().isoformat(),
            )
    # A pipe gets no terminal width; Rich would then squeeze the table into 80 columns.
    Console(width=None if sys.stdout.isatty() else 120).print(table)


def _cells(*values: str) -> list[Text]:
    """Table cells as plain text: a policy's file name or title is the editor's, so neither
    Rich markup (``[bold]``) nor a control character in it may reach the terminal."""
    return [Text(terminal_text(value)) for value in values]


def _print_audit(entries: list[versions_lib.AuditEntry], fmt: str) -> None:
    if fmt == "json":
        records = [
            {
                "policy": e.policy,
                "commit": e.commit,
                "date": e.date.isoformat(),
                "path": e.path,
                "sha256": e.sha256,
                "version": e.version,
                "published": e.published,
                "reason": e.reason,
            }
            for e in entries
        ]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Policy", "Commit", "Date", "Version", "What became of it"):
        table.add_column(column, no_wrap=column != "What became of it")
    for entry in entries:
        table.add_row(
            *_cells(
                entry.policy,
                entry.commit[:8],
                entry.date.isoformat(timespec="minutes"),
                entry.version or "—",
                entry.reason,
            )
        )
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
@click.option(
    "--stat", is_flag=True, help="Text: the summary only (changed sections and counts), no words."
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Text: changed words in colour (auto: on a terminal, unless NO_COLOR is set); never: "
    "marked [-deleted-]{+inserted+} as git diff --word-diff does.",
)
@pass_settings
def diff_command(
    settings: Settings,
    policy: str | None,
    from_ref: str | None,
    to_ref: str | None,
    base: str | None,
    fmt: str,
    stat: bool,
    color: str,
) -> None:
    """Show what changed in POLICY between two versions, section by section.

    FROM and TO are version labels or git revisions; without them, the previous version is
    compared with the latest. With --base, every policy that differs between REV and the working
    tree is compared (JSON: a list). FROM later than TO gives a reverse diff. As text: the
    summary, then each changed section with its words (in colour on a terminal, else marked
    [-old-]{+new+}).

    Example: policysite diff privacy 1.0 1.1 --format json
    """
    if stat and fmt != "text":
        raise click.UsageError("--stat is a summary in text; leave out --format or --stat.")
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
        notes = changes_lib.notes_changed_since(settings, base) if base is not None else []
        behind = changes_lib.translations_left_behind(settings, changes)
        markdown = render_markdown(changes, settings, today=today(), notes=notes, behind=behind)
        click.echo(markdown, nl=False)
    elif not changes:
        click.echo(f"No policy text changed since {base}.")
    elif fmt == "html":
        for change in changes:
            prefix = urls.redline_prefix(change.policy if len(changes) > 1 else None)
            click.echo(sanitize_html(render_html(change, id_prefix=prefix)), nl=False)
    elif stat:
        summaries = (terminal_text(render_text(c, settings.site_url)) for c in changes)
        click.echo("\n".join(summaries), nl=False)
    else:
        lines = [line for c in changes for line in [*redline_lines(c, settings.site_url), ()]]
        lines.pop()  # the blank line after the last policy
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        if color == "always" or (color == "auto" and colour):
            # On a terminal Rich wraps at word boundaries; into a pipe (less -R) lines stay whole.
            console = Console(force_terminal=True, highlight=False)
            console.print(render_terminal(lines), end="", soft_wrap=not sys.stdout.isatty())
        else:
            click.echo(render_words(lines), nl=False)


@main.command("check")
@click.option(
    "--base",
    metavar="REV",
    help="Compare with the history at this revision (CI: origin/main). Default: HEAD, "
    "checking the working tree as a pre-commit hook would. "
    "Example: policysite check --base origin/main",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "github-review", "json"]),
    default="text",
    show_default=True,
    help="github prints workflow annotations (::error file=…,line=…::…); github-review the "
    "pull-request review, as JSON for GitHub's API, with one-click suggestions. "
    "Example: policysite check --base origin/main --format github-review",
)
@click.option(
    "--record",
    metavar="URL|FILE",
    help="Hold history to the published record: the versions.json the live site serves. The "
    "publish job passes it before it deploys. "
    "Example: policysite check --record https://policies.example.com/versions.json",
)
@pass_settings
def check_command(settings: Settings, base: str | None, fmt: str, record: str | None) -> None:
    """Check the policies against the editorial rules; exit 1 on any error.

    Example: policysite check --base origin/main --format github
    """
    from policysite.check import check_site, report

    try:
        found = check_site(settings, base, record=record)
    except click.ClickException as exc:
        if fmt == "github":
            click.echo(f"::error title=policysite check::{report.escape_data(exc.message)}")
        raise
    links = report.Links.from_environment(os.environ)
    if fmt == "github":
        click.echo(report.format_github(found, links))
    elif fmt == "github-review":
        click.echo(report.format_github_review(found, links))
    elif fmt == "json":
        click.echo(report.format_json(found))
    else:
        click.echo(report.format_text(found))
    if found.errors:
        sys.exit(1)


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="The organisation's name, for the site title and sample policy.")
@click.option("--site-url", default="https://policies.example.com/", show_default=True)
def init_command(directory: Path, name: str | None, site_url: str) -> None:
    """Create a new policy site in DIRECTORY: mkdocs.yml, changelog/, site_templates/ (the
    mail), GitHub workflows, EDITING.md and a README that is your set-up checklist.

    Nothing is published: the sample privacy policy is an unpublished draft. When DIRECTORY is
    not inside a git repository, init runs `git init`, commits the site on main and the sample
    on the branch first-policy (its pull request, with your text, makes version 1.0); inside a
    repository it stages the site's files for you to review and commit, and leaves the sample
    unstaged.

    Example: policysite init acme-policies --name "Acme Ltd"
    """
    from policysite.scaffold import create_site

    result = create_site(directory, name=name, site_url=site_url)
    for line in result.summary():
        click.echo(line)


@main.command("adopt")
@click.argument(
    "directory",
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--docs-dir", help="The folder that holds the policies, when adopt guesses wrong.")
@click.option("--name", help="The site's name (default: the repository folder's name).")
@click.option("--overwrite", is_flag=True, help="Replace an existing mkdocs.yml.")
@click.option("--dry-run", is_flag=True, help="Say what adopt finds; write nothing.")
@pass_settings
def adopt_command(
    settings: Settings,
    directory: Path | None,
    docs_dir: str | None,
    name: str | None,
    overwrite: bool,
    dry_run: bool,
) -> None:
    """Publish an existing policy repository as it is: find its policies (a file per policy,
    or a folder per policy with index.md), write mkdocs.yml, and say what the site will show.

    Example: policysite adopt ../site-policy --dry-run
    """
    from policysite import adopt

    root = (directory or settings.root).resolve()
    site_name = name or f"{root.name} policies"
    adoption = adopt.read_adoption(root, docs_dir, site_name)
    for line in adopt.summary(adoption):
        click.echo(line)
    if not dry_run:
        path = adopt.write_config(adoption, site_name, overwrite=overwrite)
        click.echo(f"Wrote {path.relative_to(root)}; build the site with `mkdocs build`.")


@main.group("notify", invoke_without_command=True)
@click.option("--policy", help="Only this policy (e.g. privacy).")
@click.option("--version", "version_label", help="Announce this version even if it is old.")
@click.option("--send", is_flag=True, help="Write and deliver; without it, only show the plan.")
@click.option(
    "--outbox",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write .eml files here instead of SMTP (the default without POLICYSITE_SMTP_URL).",
)
@click.option("--concurrency", default=4, show_default=True, help="SMTP connections.")
@click.option("--rate", type=float, help="At most this many messages per second.")
@click.option(
    "--short-notice",
    metavar="REASON",
    help="Announce a material version that takes effect in fewer than notice_days days (or "
    "already did), and say why; the reason is kept in the ledger. Example: --short-notice "
    '"Required by the regulator\'s order of 2026-03-02"',
)
@click.option(
    "--preview",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write the mail each new material version in the working tree would send (.eml, "
    ".html, .txt per language, to a sample person) into DIR; store and send nothing.",
)
@click.option(
    "--base",
    metavar="REV",
    help="With --preview: compare the working tree with REV (CI: origin/main). Default: HEAD.",
)
@click.pass_context
def notify_command(
    ctx: click.Context,
    policy: str | None,
    version_label: str | None,
    send: bool,
    outbox: Path | None,
    concurrency: int,
    rate: float | None,
    short_notice: str | None,
    preview: Path | None,
    base: str | None,
) -> None:
    """Tell every registered user about material versions, by mail, before they take effect.

    Exits 1 when a notice of this run failed for good (a 5xx answer, or too many attempts),
    and refuses (exit 1, nothing announced) a version that takes effect in fewer than
    notice_days days unless --short-notice says why. With --preview, write the notices a
    pull request's material versions would send instead. `notify report` is the proof of
    who was told what and when; `notify status` the counts of every announcement.

    Example: policysite notify --policy privacy --version 1.0 --send --outbox outbox

    Example: policysite notify --preview mail-preview --base origin/main
    """
    if ctx.invoked_subcommand is not None:
        given = [
            param.opts[0]
            for param in ctx.command.params
            if param.name
            and ctx.get_parameter_source(param.name) is not click.core.ParameterSource.DEFAULT
        ]
        if given:
            raise click.UsageError(
                f"{', '.join(given)}: an option of notify itself, not of notify "
                f"{ctx.invoked_subcommand}; give the subcommand's own options after its name."
            )
        return
    settings = ctx.find_object(Settings)
    assert settings is not None
    from policysite.notify.run import NotifyRequest, describe_failures, run_notify

    if preview is not None:
        from policysite.notify.preview import describe_preview, preview_mail

        if send or outbox or version_label:
            raise PolicySiteError("--preview sends nothing: leave out --send, --outbox, --version.")
        plan, written = preview_mail(settings, preview, base or "HEAD", policy, today=today())
        click.echo("\n".join(describe_preview(plan, written, base or "HEAD")))
        return
    if base is not None:
        raise PolicySiteError("--base goes with --preview DIR (what a pull request would mail).")
    if short_notice is not None and not short_notice.strip():
        raise PolicySiteError('--short-notice needs the reason, e.g. --short-notice "…".')
    reason = short_notice.strip() if short_notice else None
    request = NotifyRequest(policy, version_label, send, outbox, concurrency, rate, reason)
    failures = describe_failures(run_notify(settings, request, Console(soft_wrap=True)))
    if failures:
        raise PolicySiteError(failures)


@notify_command.command("report")
@click.option("--policy", help="Only the announcements of this policy.")
@click.option("--version", "version_label", help="Only the announcements of this version.")
@click.option("--recipients", is_flag=True, help="One row per person, not only the totals.")
@click.option(
    "--pseudonymous",
    is_flag=True,
    help="With --recipients: each address as its keyed hash (HMAC-SHA-256 with "
    "POLICYSITE_SECRET) instead. Example: POLICYSITE_SECRET=… policysite notify report "
    "--recipients --pseudonymous --format csv",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="csv and json are the copies to keep: every row is chained to the one before.",
)
@click.option(
    "--verify",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Check a kept csv or json copy instead: exit 1 when any byte of it was changed. "
    "Example: policysite notify report --verify ledger-privacy-2.0.csv",
)
@pass_settings
def notify_report(
    settings: Settings,
    policy: str | None,
    version_label: str | None,
    recipients: bool,
    pseudonymous: bool,
    fmt: str,
    verify: Path | None,
) -> None:
    """Proof of notice: per announcement who was told, when, with which Message-ID.

    The totals of each announcement (recipients, sent, failed, cancelled, pending, duplicates
    possible, people erased since) and, with --recipients, one row per person: address,
    language, first and last attempt, sent time, Message-ID, the server's reply, attempts.

    Example: policysite notify report --policy privacy --version 2.0 --recipients --format csv

    Example: policysite notify report --verify ledger.csv
    """
    from policysite.notify.ledger import ReportRequest
    from policysite.notify.report import report_ledger, verify_ledger

    if verify is not None:
        if policy or version_label or recipients or pseudonymous or fmt != "table":
            raise PolicySiteError("--verify FILE checks a copy: give it alone.")
        click.echo(verify_ledger(settings, verify))
        return
    request = ReportRequest(policy, version_label, recipients, pseudonymous)
    found = report_ledger(settings, request, fmt)
    if isinstance(found, str):
        click.echo(found, nl=False)
    else:
        Console(width=None if sys.stdout.isatty() else 200).print(found)


@notify_command.command("status")
@pass_settings
def notify_status(settings: Settings) -> None:
    """Show every announcement's counts: recipients, sent, failed, cancelled, pending.

    Example: policysite notify status
    """
    from policysite.notify.report import notify_status as status

    Console(width=None if sys.stdout.isatty() else 160).print(status(settings))


@main.group("subscribers")
def subscribers_group() -> None:
    """The people notices go to: import, sync, export, erase, count.

    Example: policysite subscribers import users.csv
    """


@subscribers_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, report the others.")
@click.option(
    "--bounces",
    is_flag=True,
    help="FILE is the mail provider's list of hard bounces (email, and optionally code, "
    "reason, date): mark those stored addresses undeliverable, so later notices skip them "
    "and the ledger says why; a 4xx row is left out, an unknown address is not added. "
    "Example: policysite subscribers import --bounces bounces.csv",
)
@pass_settings
def subscribers_import(settings: Settings, file: Path, skip_invalid: bool, bounces: bool) -> None:
    """Add or update subscribers from CSV (email,name,locale,timezone,status) or JSON Lines.

    A column (or key) the file leaves out keeps the stored value; status is active or inactive.

    Example: policysite subscribers import sample/subscribers.csv

    Example: policysite subscribers import --bounces bounces.csv
    """
    from policysite.notify.run import import_bounces, import_subscribers

    if bounces:
        click.echo(import_bounces(settings, file, skip_invalid=skip_invalid))
        return
    click.echo(import_subscribers(settings, file, skip_invalid=skip_invalid))


@subscribers_group.command("sync")
@click.argument("source", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--from-database",
    "database",
    metavar="URL",
    help="Read the people from the application's database (a SQLAlchemy URL: postgresql://, "
    "mysql:// or mariadb://, sqlite:///) instead of a file; its password is never printed. "
    'Example: --from-database postgresql://sync@db/app --query "SELECT email, name FROM users"',
)
@click.option(
    "--query",
    metavar="SQL",
    help="With --from-database: a SELECT whose columns are named email (required), name, "
    "locale, timezone, status; a column left out keeps the stored value. Example: --query "
    '"SELECT email, name, locale FROM users WHERE deleted_at IS NULL"',
)
@click.option(
    "--absent",
    type=click.Choice(["erase", "deactivate"]),
    default="erase",
    show_default=True,
    help="What happens to stored people the source no longer lists: erase them (as "
    "`subscribers erase` does; the ledger keeps their notices without them) or set them "
    "inactive. Example: --absent deactivate",
)
@click.option(
    "--max-removals",
    default="5%",
    show_default=True,
    metavar="N|P%",
    help="Refuse (and change nothing) when the sync would remove more people than this: a "
    "share of those stored, or a count. Example: --max-removals 200",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print how many would be added, updated, removed and left unchanged; change nothing. "
    "Example: policysite subscribers sync users.csv --dry-run",
)
@pass_settings
def subscribers_sync(
    settings: Settings,
    source: Path | None,
    database: str | None,
    query: str | None,
    absent: str,
    max_removals: str,
    dry_run: bool,
) -> None:
    """Make the stored subscribers exactly the people of SOURCE (CSV or JSON Lines) or of a
    query on the application's database: add new ones, update changed ones, remove the rest,
    all in one transaction.

    Example: policysite subscribers sync users.csv

    Example: policysite subscribers sync --from-database "$APP_DATABASE_URL" --query "SELECT
    email, name, locale, timezone FROM users WHERE deleted_at IS NULL"
    """
    from policysite.notify.sync import SyncRequest, sync_subscribers

    request = SyncRequest(
        source, database, query, absent == "deactivate", max_removals, dry_run=dry_run
    )
    click.echo(sync_subscribers(settings, request))


@subscribers_group.command("export")
@click.argument("email")
@pass_settings
def subscribers_export(settings: Settings, email: str) -> None:
    """Print everything stored about one person as JSON, with every notice sent to them.

    Example: policysite subscribers export ola.nordmann@example.com
    """
    from policysite.notify.run import export_subscriber

    click.echo(export_subscriber(settings, email))


@subscribers_group.command("erase")
@click.argument("email")
@pass_settings
def subscribers_erase(settings: Settings, email: str) -> None:
    """Remove a person, their delivery records and the outbox copies of their notices
    (announcement counts stay). README says what erase leaves on each database.

    Example: policysite subscribers erase ola.nordmann@example.com
    """
    from policysite.notify.run import erase_subscriber

    click.echo(erase_subscriber(settings, email))


@subscribers_group.command("count")
@pass_settings
def subscribers_count(settings: Settings) -> None:
    """Print how many subscribers are stored.

    Example: policysite subscribers count
    """
    from policysite.notify.run import count_subscribers

    click.echo(count_subscribers(settings))


@main.command("purge")
@click.option("--older-than", "days", type=int, default=730, show_default=True, metavar="DAYS")
@pass_settings
def purge_command(settings: Settings, days: int) -> None:
    """Drop finished delivery records older than DAYS (usage data is kept two years);
    notices still pending are kept, however old.

    Example: policysite purge --older-than 730
    """
    from policysite.notify.run import purge_deliveries

    click.echo(purge_deliveries(settings, days))


@main.group("webhooks")
def webhooks_group() -> None:
    """Signed events to the application when a policy changes: send, status, redeliver.

    Example: policysite webhooks send
    """


_MAX_WAIT = click.option(
    "--max-wait",
    type=click.FloatRange(min=0),
    default=60,
    show_default=True,
    metavar="SECONDS",
    help="Wait for retries due within this long; later ones are left to the next run.",
)


@webhooks_group.command("send")
@_MAX_WAIT
@pass_settings
def webhooks_send(settings: Settings, max_wait: float) -> None:
    """Record the events due (a version published, a version in force, a policy retired) and
    deliver every pending one to the endpoints of `webhooks:` in mkdocs.yml, signed (Standard
    Webhooks). Exits 1 when a delivery failed for good.

    Example: APP_WEBHOOK_SECRET=whsec_… policysite webhooks send
    """
    from policysite.notify.webhooks import describe_failures, send_webhooks

    report = send_webhooks(settings, Console(soft_wrap=True), max_wait=max_wait)
    failures = describe_failures(report)
    if failures:
        raise PolicySiteError(failures)


@webhooks_group.command("status")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_settings
def webhooks_status(settings: Settings, fmt: str) -> None:
    """Show every recorded event and its delivery to each endpoint: status, attempts, the
    last error, when the next attempt is due.

    Example: policysite webhooks status --format json
    """
    from policysite.notify.webhooks import webhook_status

    found = webhook_status(settings, fmt)
    if isinstance(found, str):
        click.echo(found, nl=not found.endswith("\n"))
    else:
        Console(width=None if sys.stdout.isatty() else 200).print(found)


@webhooks_group.command("redeliver")
@click.argument("event_id", metavar="ID")
@_MAX_WAIT
@pass_settings
def webhooks_redeliver(settings: Settings, event_id: str, max_wait: float) -> None:
    """Send a recorded event (ID as webhooks status shows it) again to every endpoint in
    mkdocs.yml that takes its type, even one that was delivered or failed.

    Example: policysite webhooks redeliver msg_6f1c2a9e0b7d4c3a8e5f1d2c3b4a5968
    """
    from policysite.notify.webhooks import describe_failures, redeliver

    report = redeliver(settings, event_id, Console(soft_wrap=True), max_wait=max_wait)
    failures = describe_failures(report)
    if failures:
        raise PolicySiteError(failures)
