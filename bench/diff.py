"""Benchmark: the redline of a 4,000-word policy, beside lxml htmldiff and difflib, in one run.

For 1 % and 20 % of the words changed, scattered over the text or in a few clustered runs, and
for a paragraph moved to another section, prints per method:

- the time, best of ROUNDS (the machine is shared: the minimum is the least disturbed figure):
  policysite's ``compare`` from Markdown — ``cold``: both texts rendered (Python-Markdown, as
  the site does) and compared; ``in a build``: the previous version was rendered already, as
  when a site build compares each version with the one before; ``warm``: both rendered
  already, the comparison alone — then lxml's ``htmldiff`` on the rendered HTML, and difflib
  on the words of the Markdown source (with and without autojunk);
- faithfulness: accepting every change gives exactly the new blocks, rejecting every change
  exactly the old ones (checked on the rendered blocks); a moved paragraph is shown once.

Goal: ≤ 40 ms for the 20 % case, and faithful where the others are not.

    python bench/diff.py [--smoke]    (--smoke: a ~1,500-word policy, 2 rounds; same code paths)
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import lxml.html
from lxml.html.diff import htmldiff

from policysite.blocks import flatten, read_sections
from policysite.diff import accepted_blocks, compare
from policysite.markdown_render import markdown_to_html
from policysite.model import Change, Version
from policysite.render.html import render_html

WORDS = 4_000
ROUNDS = 9
SEED = 20180525

VOCABULARY = (  # noqa: SIM905 - a sentence of words reads better than 90 quoted strings
    "personal data we collect process store share your account service services product "
    "products website websites information request consent privacy policy users user "
    "contact email address payment details device usage location cookies technologies "
    "security access delete export right rights law regulation partner partners third "
    "party parties provide deliver improve support customer customers purpose purposes "
    "time period retention legal basis legitimate interest contract we may will must not "
    "the a an of to in for with by on at from as and or any all this that these those"
).split()


def make_policy(rng: random.Random, size: int = WORDS) -> str:
    """A policy of about ``size`` words: sections, paragraphs, lists, a nested list, a table."""

    def sentence(n: int) -> str:
        words = [rng.choice(VOCABULARY) for _ in range(n)]
        return " ".join(words).capitalize() + "."

    def paragraph(n: int) -> str:
        text = " ".join(sentence(rng.randint(8, 16)) for _ in range(n))
        # Wrapped at about 72 columns, as editors write Markdown.
        lines, line = [], ""
        for word in text.split():
            if len(line) + len(word) > 72:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        return "\n".join([*lines, line])

    parts: list[str] = []
    number = 0
    while sum(len(p.split()) for p in parts) < size or number < 9:  # move_paragraph needs 9
        number += 1
        parts.append(f"## {number}. {sentence(4)[:-1]} {{#section-{number}}}")
        parts.append(paragraph(4))
        parts.append(paragraph(3))
        parts.append("\n".join(f"- {sentence(rng.randint(6, 14))}" for _ in range(4)))
        if number % 3 == 0:
            parts.append(f"- {sentence(8)}\n    - {sentence(7)}\n    - {sentence(9)}")
        if number % 4 == 0:
            rows = [f"| {sentence(3)} | {sentence(5)} |" for _ in range(3)]
            parts.append("| Data | Purpose |\n|---|---|\n" + "\n".join(rows))
    return "\n\n".join(parts) + "\n"


_EDITABLE = re.compile(r"[A-Za-z]+")


def edit_words(body: str, share: float, clustered: bool, rng: random.Random) -> str:
    """Replace, delete or insert ``share`` of the words: scattered, or in four runs."""
    lines = body.split("\n")
    places = [
        (n, k)
        for n, line in enumerate(lines)
        if not line.startswith(("## ", "|---"))
        for k, word in enumerate(line.split(" "))
        if _EDITABLE.fullmatch(word)
    ]
    count = int(len(places) * share)
    if clustered:
        run = count // 4
        starts = sorted(rng.sample(range(0, len(places) - run, run + 1), 4))
        chosen = [places[s + i] for s in starts for i in range(run)]
    else:
        chosen = rng.sample(places, count)
    words = {n: line.split(" ") for n, line in enumerate(lines)}
    for n, k in chosen:
        kind = rng.random()
        word = words[n][k]
        if kind < 0.6:
            words[n][k] = rng.choice([w for w in VOCABULARY if w != word.lower()])
        elif kind < 0.8:
            words[n][k] = ""
        else:
            words[n][k] = f"{word} {rng.choice(VOCABULARY)}"
    return "\n".join(" ".join(w for w in words[n] if w) for n in range(len(lines)))


def move_paragraph(body: str) -> tuple[str, str]:
    """The body with section 2's first paragraph moved to the end of section 8, and its text."""
    chunks = body.split("\n\n")
    first = next(i for i, c in enumerate(chunks) if c.startswith("## 2."))
    moved = chunks.pop(first + 1)
    target = next(i for i, c in enumerate(chunks) if c.startswith("## 9."))
    chunks.insert(target, moved)
    return "\n\n".join(chunks), " ".join(moved.split())


def version(label: str, body: str) -> Version:
    text = f'---\ntitle: Bench\nversion: "{label}"\neffective: 2020-01-01\n---\n{body}'
    return Version(
        "bench", label, dt.date(2020, 1, 1), label, dt.datetime(2020, 1, 1), "bench.md", text,
        "Bench",
    )  # fmt: skip


# -- the three ways, and what each gets right ----------------------------------------------


def lxml_accepted(markup: str, accept: bool) -> list[tuple[str, str]]:
    """htmldiff's output with every <ins> kept and <del> dropped (or the reverse)."""
    tree = lxml.html.fragment_fromstring(markup, create_parent="div")
    for element in tree.xpath("//del" if accept else "//ins"):
        element.drop_tree()
    for element in tree.xpath("//ins" if accept else "//del"):
        element.drop_tag()
    return [(b.kind, b.text) for b in flatten(lxml.html.tostring(tree, encoding="unicode"))]


def shown(markup: str, paragraph: str) -> int:
    """How often the moved paragraph's words appear in a redline."""
    text = " ".join(
        lxml.html.fragment_fromstring(markup, create_parent="div").text_content().split()
    )
    return text.count(paragraph[:80])


@dataclass
class Row:
    case: str
    method: str
    ms: float
    faithful: str


def timed(run: Callable[[], object], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def measure(
    case: str, old_body: str, new_body: str, moved: str | None, rounds: int = ROUNDS
) -> list[Row]:
    old, new = version("1", old_body), version("2", new_body)
    old_html, new_html = markdown_to_html(old_body), markdown_to_html(new_body)
    want_new = [(b.kind, b.text) for s in read_sections(new_body) for b in s.blocks]
    want_old = [(b.kind, b.text) for s in read_sections(old_body) for b in s.blocks]

    def cold() -> Change:
        read_sections.cache_clear()
        return compare(old, new)

    def build() -> Change:
        read_sections.cache_clear()
        read_sections(old_body)  # a site build rendered the previous version already
        start = time.perf_counter()
        change = compare(old, new)
        build_times.append((time.perf_counter() - start) * 1000)
        return change

    rows = []
    change = cold()
    ours = render_html(change)
    verdict = _verdict(
        accepted_blocks(change, accept=True) == want_new,
        accepted_blocks(change, accept=False) == want_old,
    )
    if moved:
        verdict += f"; moved paragraph shown {shown(ours, moved)}×"
    rows.append(Row(case, "policysite cold", timed(cold, rounds), verdict))
    build_times: list[float] = []
    timed(build, rounds)
    rows.append(Row(case, "policysite in a build", min(build_times), ""))
    rows.append(Row(case, "policysite warm", timed(lambda: compare(old, new), rounds), ""))

    theirs = htmldiff(old_html, new_html)
    verdict = _verdict(
        lxml_accepted(theirs, True) == want_new, lxml_accepted(theirs, False) == want_old
    )
    if moved:
        verdict += f"; moved paragraph shown {shown(theirs, moved)}×"
    lxml_ms = timed(lambda: htmldiff(old_html, new_html), rounds)
    rows.append(Row(case, "lxml htmldiff", lxml_ms, verdict))

    old_words, new_words = old_body.split(), new_body.split()
    for autojunk in (True, False):
        name = f"difflib words{'' if autojunk else ' autojunk=False'}"
        matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=autojunk)
        ops = matcher.get_opcodes()
        verdict = "words only: no blocks, no structure"
        if moved:
            gone = any(
                moved[:40] in " ".join(old_words[i1:i2])
                for tag, i1, i2, _, _ in ops
                if tag in ("delete", "replace")
            )
            verdict += f"; moved paragraph shown {2 if gone else 1}×"

        def words(autojunk: bool = autojunk) -> object:
            return difflib.SequenceMatcher(
                None, old_words, new_words, autojunk=autojunk
            ).get_opcodes()

        rows.append(Row(case, name, timed(words, rounds), verdict))
    return rows


def _verdict(accept_ok: bool, reject_ok: bool) -> str:
    accept = "==" if accept_ok else "!="
    reject = "==" if reject_ok else "!="
    return f"accept-all {accept} new, reject-all {reject} old"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does it still run?")
    args = parser.parse_args()
    size, rounds = (1_500, 2) if args.smoke else (WORDS, ROUNDS)
    rng = random.Random(SEED)
    body = make_policy(rng, size)
    print(f"policy: {len(body.split())} words of Markdown, {len(read_sections(body))} sections")
    rows: list[Row] = []
    for share in (0.01, 0.20):
        for clustered in (False, True):
            case = f"{share:.0%} {'clustered' if clustered else 'scattered'}"
            rows += measure(case, body, edit_words(body, share, clustered, rng), None, rounds)
    moved_body, moved = move_paragraph(body)
    rows += measure("moved paragraph", body, moved_body, moved, rounds)

    width = max(len(r.method) for r in rows)
    for case in dict.fromkeys(r.case for r in rows):
        print(f"\n{case}")
        group = [r for r in rows if r.case == case]
        ours = group[0].ms
        for row in group:
            ratio = f"{row.ms / ours:6.2f}×" if row is not group[0] else "  1.00×"
            print(f"  {row.method:<{width}}  {row.ms:8.2f} ms  {ratio}  {row.faithful}")
    print("\npolicysite, 20 % of words changed (goal ≤ 40 ms), worst of scattered and clustered:")
    for method in ("policysite cold", "policysite in a build", "policysite warm"):
        worst = max(r.ms for r in rows if r.method == method and r.case.startswith("20"))
        print(f"  {method:<22} {worst:6.1f} ms")
    render = timed(lambda: markdown_to_html(body), rounds)
    print(f"  of which Python-Markdown renders one text in {render:.1f} ms")
    if args.smoke:
        print(f"(smoke run: {size:,} words, best of {rounds}; the goal is for full size)")


if __name__ == "__main__":
    main()
