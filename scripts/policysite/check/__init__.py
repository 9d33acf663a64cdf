"""The editorial rules a pull request must pass: ``policysite check``.

The proposed state is the working tree (what CI checked out, or what a pre-commit hook sees);
the published state is the history at ``base`` (``origin/main`` in CI, ``HEAD`` locally).
Every rule returns findings instead of raising, so one run reports every problem at once, each
with its file, line and the fix (as data too, where it is certain: see ``report``). Knows
nothing of MkDocs or email.

The pipeline, top to bottom: read git once (``drafts.read_git``: base, HEAD, the pull request,
the notes at base), the published policies from it, the drafts and notes of the working tree,
pair them through renames, then each family of rules: ``versions`` (and notes), ``anchors``,
``links`` (and raw HTML), ``published`` (published notes; with a record, the deployed one),
``config`` (the settings init leaves as examples). ``report`` formats the result.

Every message a rule can print is a template in its module's ``MESSAGES``, all of them in
``MESSAGES`` here; EDITING.md explains each (tests/test_editing.py holds the guide to that).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from policysite.check import anchors, config, links, locales, published, translations, versions
from policysite.check.drafts import (
    Baseline,
    branch_commits,
    merged_commits,
    pair_drafts,
    read_drafts,
    read_git,
)
from policysite.check.findings import Finding, Report, from_error
from policysite.config import Settings, today
from policysite.errors import NotFoundError, PolicySiteError, ProblemList
from policysite.history import Snapshot
from policysite.model import Policy, parse_document, same_publication
from policysite.versions import notes_in, policies_from_history, texts_in

MESSAGES: dict[str, str] = {
    **versions.MESSAGES,
    **anchors.MESSAGES,
    **links.MESSAGES,
    **published.MESSAGES,
    **config.MESSAGES,
    **locales.MESSAGES,
    **translations.MESSAGES,
}

__all__ = ["MESSAGES", "Finding", "Report", "check_site"]


def check_site(
    settings: Settings,
    base: str | None = None,
    on: dt.date | None = None,
    record: str | None = None,
) -> Report:
    """Check the working tree against the history at ``base`` (HEAD when None) on day ``on``;
    with ``record`` (the deployed versions.json: a URL or a file), hold history to it too."""
    on = on or today()
    rev = base or "HEAD"
    snapshot = read_git(settings, rev)
    findings: list[Finding] = []
    policies: list[Policy] = []
    history_ok = True
    if snapshot.commit(rev) is None:
        if base is not None or snapshot.commit("HEAD") is not None:
            fetch = published.fetch_hint(rev)
            raise NotFoundError(published.MESSAGES["base-missing"].format(base=rev, fetch=fetch))
    else:
        history_ok = _read_published(settings, snapshot, rev, on, policies, findings)
    note_texts = texts_in(settings.changelog_dir, snapshot.folder(rev, settings.changelog_path))
    baseline = Baseline(
        rev,
        on,
        branch_commits(snapshot, rev),
        merged_commits(snapshot),
        notes_in(settings, note_texts),
        note_texts,
    )
    drafts, draft_findings, unreadable = read_drafts(settings)
    drafts, translated, translation_findings = translations.split_drafts(
        settings, drafts, (p.id for p in policies)
    )
    draft_findings += translation_findings
    # A committed problem the working tree still has is reported once, with its commit.
    committed = {
        (f.path, f.line, f.message.partition(": ")[2])
        for f in findings
        if f.message.startswith("at commit ")
    }
    findings.extend(f for f in draft_findings if (f.path, f.line, f.message) not in committed)
    history = snapshot.history(rev) if policies else None
    pairing = pair_drafts(history, policies, drafts, unreadable)
    known = list(pairing.known)
    for policy in pairing.deleted:
        findings.extend(versions.check_deleted(settings, policy, on))
    notes = versions.read_notes_checked(settings, findings)
    exempt: set[tuple[str, str]] = set()  # notes a label-taken finding already speaks for
    chain = snapshot.chain(rev)
    for draft in drafts.values():
        previous = pairing.previous.get(draft.policy)
        held = (
            anchors.held_versions(previous, chain, settings.adopted_at)
            if previous is not None
            else ()
        )
        adopted_text = (
            bool(held)
            and settings.adopt_mode
            and draft.document is not None
            and same_publication(draft.document, parse_document(held[0].text, held[0].path))
        )
        texts = [
            *anchors.check_anchors_unique(draft),
            *links.check_links(settings, draft, drafts),
            *links.check_html(draft),
        ]
        if draft.document is not None:
            texts.extend(anchors.check_aliases(draft))
        # A text as it was adopted was written under another site's rules: what they let
        # through is shown, as a warning; its first edit is held to every rule.
        findings.extend(grandfathered(f) if adopted_text else f for f in texts)
        if draft.document is None:
            continue
        if previous is not None:
            renamed = anchors.diff_renames(held) if settings.adopt_mode else None
            findings.extend(anchors.check_anchors_kept(draft, previous, held, renamed))
        new = versions.check_version(settings, draft, previous, notes, baseline, findings, exempt)
        if new is not None:
            known.append(new)
    findings.extend(
        versions.check_notes(settings, notes, drafts, policies, known, history_ok, pairing.renamed)
    )
    findings.extend(locales.check_translations(settings, notes, policies, known))
    for item in translated:
        draft_id = item.policy
        findings.extend(anchors.check_anchors_unique(item.draft))
        findings.extend(links.check_html(item.draft))
        published_policy = next(
            (p for p in policies if pairing.renamed.get(p.id, p.id) == draft_id), None
        )
        findings.extend(
            translations.check_translation(settings, item, drafts.get(draft_id), published_policy)
        )
    findings.extend(
        translations.check_left_behind(settings, translated, drafts, notes, policies, known)
    )
    findings.extend(
        published.check_notes_kept(
            settings,
            policies,
            pairing.renamed,
            baseline,
            notes,
            exempt,
            {f.path for f in findings if f.rule == "note"},
        )
    )
    findings.extend(config.check_placeholders(settings, bool(known)))
    if record is not None and history_ok:
        findings.extend(published.check_record(settings, record, policies, notes))
    ordered = sorted(findings, key=lambda f: (f.path, f.line, f.rule, f.message))
    return Report(rev, tuple(dict.fromkeys(ordered)), len(drafts), len(known))


def grandfathered(found: Finding) -> Finding:
    """A finding on a text unchanged since the adoption: a warning, saying why."""
    if found.severity != "error":
        return found
    return replace(found, severity="warning", message=found.message + " (as adopted)")


def _read_published(
    settings: Settings,
    snapshot: Snapshot,
    rev: str,
    on: dt.date,
    policies: list[Policy],
    findings: list[Finding],
) -> bool:
    """Every policy's versions at ``rev`` into ``policies``, without their notes (checked on
    their own); False, with findings, when that history has problems of its own."""
    try:
        history = snapshot.history(rev)
        policies.extend(policies_from_history(settings, history, as_of=on, notes=False))
    except ProblemList as exc:
        findings.extend(from_error(p) for p in exc.problems)
        return False
    except PolicySiteError as exc:
        if not exc.path:
            raise  # shallow clone, not a repository: no finding can say it better
        findings.append(from_error(exc))
        return False
    return True
