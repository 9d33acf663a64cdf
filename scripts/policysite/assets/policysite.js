/* policysite: deep links to renamed sections, "in force on a date" and "compare two versions".
 * Plain JavaScript, no framework, nothing loaded from another host. */
(function () {
  "use strict";

  var script = document.currentScript;
  // This file is assets/policysite.js: one level below the site root.
  var siteRoot = new URL("../", script ? script.src : location.href);

  /* An old fragment (#cookie-policy) lands on the section's new id (#cookies). */
  function followAlias() {
    var data = document.getElementById("policysite-aliases");
    if (!data || location.hash.length < 2) return;
    var id = decodeURIComponent(location.hash.slice(1));
    if (document.getElementById(id)) return;
    var aliases = JSON.parse(data.textContent);
    if (Object.prototype.hasOwnProperty.call(aliases, id)) {
      location.replace("#" + aliases[id]);
    }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  /* The words this script writes, in the page's language: the build puts them in the page
   * (site/translations.py STRINGS, the one place for the site's strings). {name} is filled in. */
  var strings = (function () {
    var data = document.getElementById("policysite-strings");
    try { return data ? JSON.parse(data.textContent) : {}; } catch (error) { return {}; }
  })();
  function t(key, values) {
    var text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }
  /* A count's singular or plural (key.one / key.other). */
  function tn(key, n) { return t(key + (n === 1 ? ".one" : ".other"), { n: n }); }

  /* The site's one date format (Babel's long format on the pages; the same CLDR data here),
   * in the page's language, with no-break spaces so a date never wraps. */
  var dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || "en",
    { dateStyle: "long", timeZone: "UTC" });
  function longDate(iso) {
    return dateFormat.format(new Date(iso + "T00:00:00Z")).replace(/ /g, "\u00a0");
  }

  /* A record's page on this site, wherever the site is served (versions.json has full URLs). */
  function pageUrl(record, siteUrl) {
    var url = record.url;
    if (siteUrl && url.indexOf(siteUrl) === 0) return new URL(url.slice(siteUrl.length), siteRoot);
    var parsed = new URL(url, siteRoot);
    if (parsed.pathname.indexOf(siteRoot.pathname) === 0) {
      return new URL(parsed.pathname.slice(siteRoot.pathname.length) + parsed.hash, siteRoot);
    }
    return parsed;
  }

  /* ---- comparing two versions in the browser (pairs that have no change page) ---- */

  var BLOCKS = "h1,h2,h3,h4,h5,h6,p,li,dt,dd,th,td,pre,blockquote";

  function blocksOf(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var article = doc.querySelector("article") || doc.querySelector("main") || doc.body;
    article.querySelectorAll(
      ".policysite-header, .policysite-banner, .headerlink, script, h1, .md-source-file"
    ).forEach(function (node) { node.remove(); });
    var result = [];
    var anchor = "", title = "";
    article.querySelectorAll(BLOCKS).forEach(function (node) {
      if (node.querySelector(BLOCKS)) return; // only the innermost blocks carry text once
      var text = node.textContent.replace(/\s+/g, " ").trim();
      if (/^H[2-6]$/.test(node.tagName) && node.id) { anchor = node.id; title = text; }
      if (text) result.push({ text: text, anchor: anchor, title: title });
    });
    return result;
  }

  /* Longest common subsequence of two lists: the pairs [i, j] kept, in order. */
  function lcs(a, b, same) {
    var n = a.length, m = b.length, i, j;
    var table = new Array(n + 1);
    for (i = 0; i <= n; i++) table[i] = new Uint32Array(m + 1);
    for (i = n - 1; i >= 0; i--) {
      for (j = m - 1; j >= 0; j--) {
        table[i][j] = same(a[i], b[j]) ? table[i + 1][j + 1] + 1
          : Math.max(table[i + 1][j], table[i][j + 1]);
      }
    }
    var pairs = [];
    i = 0; j = 0;
    while (i < n && j < m) {
      if (same(a[i], b[j])) { pairs.push([i, j]); i++; j++; }
      else if (table[i + 1][j] >= table[i][j + 1]) i++;
      else j++;
    }
    return pairs;
  }

  /* Runs of [kept, removed, added] between the common items. */
  function runs(a, b, same) {
    var out = [], i = 0, j = 0;
    lcs(a, b, same).concat([[a.length, b.length]]).forEach(function (pair) {
      if (pair[0] > i || pair[1] > j) out.push({ removed: a.slice(i, pair[0]), added: b.slice(j, pair[1]) });
      if (pair[0] < a.length) out.push({ kept: a[pair[0]] });
      i = pair[0] + 1; j = pair[1] + 1;
    });
    return out;
  }

  /* What a screen reader says before a change, as on the change pages (class ps-sr). */
  function srLabel(text) { return el("span", { "class": "ps-sr" }, [text]); }

  function wordRedline(before, after) {
    var a = before ? before.split(" ") : [], b = after ? after.split(" ") : [];
    var container = el("p", { "class": "policysite-compare-text" });
    var counts = { added: 0, removed: 0 };
    var parts = a.length * b.length > 4000000
      ? [{ removed: a, added: b }] : runs(a, b, function (x, y) { return x === y; });
    parts.forEach(function (part) {
      if (part.kept !== undefined) { container.appendChild(document.createTextNode(part.kept + " ")); return; }
      if (part.removed.length) {
        container.appendChild(el("del", {}, [srLabel(t("deleted") + ": "), part.removed.join(" ")]));
        container.appendChild(document.createTextNode(" "));
        counts.removed += part.removed.length;
      }
      if (part.added.length) {
        container.appendChild(el("ins", {}, [srLabel(t("inserted") + ": "), part.added.join(" ")]));
        container.appendChild(document.createTextNode(" "));
        counts.added += part.added.length;
      }
    });
    return { node: container, counts: counts };
  }

  /* The comparison under the form; only its one-line summary goes to the live region (status),
   * so a screen reader announces the counts, not the whole diff. */
  function renderComparison(output, status, from, to, oldBlocks, newBlocks, toUrl) {
    output.textContent = "";
    var added = 0, removed = 0, changed = 0;
    var list = el("div", { "class": "policysite-compare-blocks" });
    runs(oldBlocks, newBlocks, function (x, y) { return x.text === y.text; }).forEach(function (part) {
      if (part.kept) return;
      var count = Math.max(part.removed.length, part.added.length);
      for (var k = 0; k < count; k++) {
        var before = part.removed[k], after = part.added[k];
        var diff = wordRedline(before ? before.text : "", after ? after.text : "");
        added += diff.counts.added; removed += diff.counts.removed; changed++;
        var where = (after || before);
        var block = el("div", { "class": "policysite-compare-block" }, [diff.node]);
        if (after && where.anchor) {
          block.insertBefore(el("a", { href: new URL("#" + where.anchor, toUrl).href, "class": "policysite-compare-link" },
            [t("version_section", { version: to.version, title: where.title })]), diff.node);
        }
        list.appendChild(block);
      }
    });
    status.textContent = t("compare_summary", { from: from.version, to: to.version,
      passages: tn("passages", changed), added: tn("words", added), removed: tn("words", removed) });
    output.appendChild(list);
  }

  /* ---- the tools on /<policy>/versions/ ---- */

  function setUpTools(box) {
    var policy = box.getAttribute("data-policysite-policy");
    var changeUrl = box.getAttribute("data-policysite-change-url");
    var siteUrl = box.getAttribute("data-policysite-site-url") || "";
    // A translation's versions page carries its versions (versions.json lists the source's).
    var carried = box.getAttribute("data-policysite-versions");
    var loaded = carried ? Promise.resolve(JSON.parse(carried))
      : fetch(new URL("versions.json", siteRoot)).then(function (response) {
        if (!response.ok) throw new Error("versions.json: HTTP " + response.status);
        return response.json();
      });
    loaded.then(function (records) {
      var versions = records.filter(function (r) { return r.policy === policy && !r.locale; });
      buildInForce(box, versions, siteUrl);
      buildCompare(box, versions, siteUrl, changeUrl);
    }).catch(function (error) {
      box.appendChild(el("p", { "class": "policysite-error" }, [t("load_error", { error: error.message })]));
    });
  }

  function buildInForce(box, versions, siteUrl) {
    var input = el("input", { type: "date", id: "policysite-date", name: "date", required: "" });
    var message = el("p", { "class": "policysite-message", role: "status" });
    var form = el("form", { "class": "policysite-inforce" }, [
      el("label", { "for": "policysite-date" }, [t("in_force_label")]), input, " ",
      el("button", { type: "submit", "class": "md-button" }, [t("show")])
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var day = input.value;
      var found = null;
      versions.forEach(function (v) { if (v.effective <= day) found = v; });
      if (!found) {
        message.textContent = t("none_in_force",
          { date: longDate(day), first: longDate(versions[0].effective) });
        return;
      }
      location.href = pageUrl(found, siteUrl).href;
    });
    box.appendChild(form);
    box.appendChild(message);
  }

  /* Compare two versions. The pair is in the address (?from=1.0&to=2.0): a comparison can be
   * shared and bookmarked, and Back returns to the one before. Newest first in the pickers, as
   * on the page. */
  function buildCompare(box, versions, siteUrl, changeUrl) {
    function select(id) {
      var node = el("select", { id: id, name: id.replace("policysite-", "") });
      versions.slice().reverse().forEach(function (v) {
        node.appendChild(el("option", { value: v.version }, [v.version + " (" + longDate(v.effective) + ")"]));
      });
      return node;
    }
    function indexOf(label) {
      for (var i = 0; i < versions.length; i++) if (versions[i].version === label) return i;
      return -1;
    }
    if (versions.length < 2) return;
    var from = select("policysite-from"), to = select("policysite-to");
    from.value = versions[versions.length - 2].version;
    to.value = versions[versions.length - 1].version;
    var status = el("p", { "class": "policysite-compare-summary", role: "status", "aria-live": "polite" });
    var output = el("div", { "class": "policysite-compare-result" });
    var form = el("form", { "class": "policysite-compare" }, [
      el("label", { "for": "policysite-from" }, [t("compare_label")]), from,
      el("label", { "for": "policysite-to" }, [t("compare_with")]), to, " ",
      el("button", { type: "submit", "class": "md-button" }, [t("compare")])
    ]);

    function compare(fromLabel, toLabel, push) {
      var a = indexOf(fromLabel), b = indexOf(toLabel);
      output.textContent = "";
      if (a < 0 || b < 0) {
        status.textContent = t("not_a_version", { version: a < 0 ? fromLabel : toLabel });
        return;
      }
      from.value = fromLabel; to.value = toLabel;
      if (a === b) { status.textContent = t("choose_two"); return; }
      if (b - a === 1 && changeUrl) {  // consecutive: the change page has the full redline
        var page = new URL(changeUrl.replace("{version}", encodeURIComponent(toLabel)), location.href).href;
        if (push) location.href = page; else location.replace(page);
        return;
      }
      if (push) {
        var query = "?from=" + encodeURIComponent(fromLabel) + "&to=" + encodeURIComponent(toLabel);
        history.pushState({ from: fromLabel, to: toLabel }, "", query + "#compare");
      }
      status.textContent = t("comparing");
      var oldRecord = versions[a], newRecord = versions[b];
      var urls = [pageUrl(oldRecord, siteUrl), pageUrl(newRecord, siteUrl)];
      Promise.all(urls.map(function (url) {
        return fetch(url).then(function (r) {
          if (!r.ok) throw new Error(url.pathname + ": HTTP " + r.status);
          return r.text();
        });
      })).then(function (pages) {
        renderComparison(output, status, oldRecord, newRecord, blocksOf(pages[0]), blocksOf(pages[1]), urls[1]);
      }).catch(function (error) { status.textContent = t("compare_error", { error: error.message }); });
    }

    function fromAddress() {
      var query = new URLSearchParams(location.search);
      if (query.get("from") && query.get("to")) compare(query.get("from"), query.get("to"), false);
      else { output.textContent = ""; status.textContent = ""; }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      compare(from.value, to.value, true);
    });
    window.addEventListener("popstate", fromAddress);
    box.appendChild(el("div", { id: "compare" }, [form, status, output]));
    fromAddress();
  }

  /* ---- the redline of a change page: previous / next change (keys k / j), and the whole text ---- */

  /* "or keys k and j", the keys as <kbd>. */
  function keysHint() {
    return t("keys").split(/(\{[kj]\})/).filter(Boolean).map(function (part) {
      return part === "{k}" || part === "{j}" ? el("kbd", {}, [part.charAt(1)]) : part;
    });
  }

  function setUpRedline(redline) {
    var marks = [];
    redline.querySelectorAll("ins, del").forEach(function (mark) {
      var block = mark.closest("p, li, td, th, dt, dd, h2, h3, h4, h5, h6, pre, section");
      if (block && marks.indexOf(block) < 0) marks.push(block);
    });
    var folds = redline.querySelectorAll("details.ps-fold");
    if (!marks.length && !folds.length) return;
    var position = -1;
    var counter = el("span", { "class": "ps-counter", role: "status" });
    function go(step) {
      if (!marks.length) return;
      if (position >= 0) marks[position].classList.remove("ps-current-change");
      position = Math.min(Math.max(position + step, 0), marks.length - 1);
      var target = marks[position];
      target.classList.add("ps-current-change");
      target.setAttribute("tabindex", "-1");
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
      counter.textContent = t("counter", { n: position + 1, total: marks.length });
    }
    var previous = el("button", { type: "button", "class": "md-button" }, [t("previous_change")]);
    var next = el("button", { type: "button", "class": "md-button" }, [t("next_change")]);
    var whole = el("button", { type: "button", "class": "md-button", "aria-pressed": "false" },
      [t("show_unchanged")]);
    previous.addEventListener("click", function () { go(-1); });
    next.addEventListener("click", function () { go(1); });
    whole.addEventListener("click", function () {
      var open = whole.getAttribute("aria-pressed") !== "true";
      folds.forEach(function (fold) { fold.open = open; });
      whole.setAttribute("aria-pressed", open ? "true" : "false");
    });
    var tools = el("div", { "class": "ps-tools" }, [previous, next,
      el("span", {}, keysHint()), counter]);
    if (folds.length) tools.appendChild(whole);
    if (!marks.length) { previous.remove(); next.remove(); }
    redline.parentNode.insertBefore(tools, redline);
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      if (target && target.isContentEditable) return;
      if (event.key === "j") { event.preventDefault(); event.stopPropagation(); go(1); }
      if (event.key === "k") { event.preventDefault(); event.stopPropagation(); go(-1); }
    }, true);
  }

  /* Material's search dialog has no accessible name (axe: aria-dialog-name): the name of its
   * input ("Search", in the site's language). */
  function nameSearchDialog() {
    var dialog = document.querySelector('.md-search[role="dialog"]');
    var input = document.querySelector(".md-search__input");
    if (dialog && !dialog.hasAttribute("aria-label")) {
      dialog.setAttribute("aria-label", (input && input.getAttribute("aria-label")) || "Search");
    }
  }

  /* ---- the 404 page: search, and the versions of the policy a missing address names ---- */

  function setUpNotFound(box) {
    document.querySelectorAll(".policysite-open-search").forEach(function (button) {
      if (!document.getElementById("__search")) return;  // a site without the search plugin
      button.parentNode.hidden = false;
      button.addEventListener("click", function () {
        var toggle = document.getElementById("__search");
        if (!toggle) return;
        toggle.checked = true;
        toggle.dispatchEvent(new Event("change"));
        var input = document.querySelector(".md-search__input");
        if (input) input.focus();
      });
    });
    var siteUrl = box.getAttribute("data-policysite-site-url") || "";
    var path = decodeURIComponent(location.pathname);
    if (path.indexOf(siteRoot.pathname) === 0) path = path.slice(siteRoot.pathname.length);
    // An address in a translation's language (/nb/…): the page carries that language's words
    // too; the list is in it, and links each version's translation where there is one.
    var locale = "", first = path.split("/")[0];
    var carried = first && document.getElementById("policysite-strings-" + first);
    if (carried) {
      try { strings = JSON.parse(carried.textContent); } catch (error) { return; }
      locale = first;
      path = path.slice(first.length + 1);
      dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" });
    }
    fetch(new URL("versions.json", siteRoot)).then(function (response) {
      if (!response.ok) throw new Error("versions.json: HTTP " + response.status);
      return response.json();
    }).then(function (records) {
      // The longest policy id the address starts with (ids may have folders: legal/terms).
      var policy = "";
      records.forEach(function (r) {
        if ((path === r.policy || path.indexOf(r.policy + "/") === 0) && r.policy.length > policy.length) policy = r.policy;
      });
      var versions = records.filter(function (r) { return r.policy === policy && !r.locale; }).reverse();
      if (!versions.length) return;
      var translated = {}, title = versions[0].title;
      records.forEach(function (r) {
        if (!locale || r.policy !== policy || r.locale !== locale) return;
        translated[r.translates] = r;
        if (r.latest) title = r.title;
      });
      var missing = /\/(?:versions|changes)\/([^/]+)\/?/.exec(path.slice(policy.length));
      var said = locale ? { lang: locale } : {};
      var heading = el("h2", Object.assign({ id: "versions-of-this-policy" }, said),
        [t("versions_of", { title: title })]);
      var intro = el("p", said, [missing
        ? t("no_such_version", { version: missing[1] }) : t("its_versions")]);
      var list = el("ul", said);
      versions.forEach(function (v) {
        var target = translated[v.version] || v;
        var link = el("a", { href: pageUrl(target, siteUrl).href }, [t("version", { version: v.version })]);
        list.appendChild(el("li", {}, [link, t("effective", { date: longDate(v.effective) }) +
          (v.status === "archived" ? "" : " (" + t("status." + v.status) + ")")]));
      });
      box.appendChild(heading); box.appendChild(intro); box.appendChild(list);
    }).catch(function () { /* the links above still lead on */ });
  }

  /* ---- /changes/: filter the rows by policy and kind; the filter is in the address ---- */

  function setUpChangesFilter(box) {
    var article = box.closest("article") || document.body;
    var rows = [], groups = [];
    article.querySelectorAll("table").forEach(function (table) {
      var top = table;
      while (top.parentNode && top.parentNode !== article) top = top.parentNode;
      var group = { top: top, heading: top.previousElementSibling, rows: [] };
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var cells = row.cells;
        var item = { row: row, policy: cells[1].textContent.trim(), kind: cells[3].textContent.trim() };
        group.rows.push(item); rows.push(item);
      });
      groups.push(group);
    });
    if (!rows.length) return;
    function select(id, label, all, values) {
      var node = el("select", { id: id }, [el("option", { value: "" }, [all])]);
      values.forEach(function (value) { node.appendChild(el("option", { value: value }, [value])); });
      return [el("label", { "for": id }, [label]), node];
    }
    function unique(key) {
      var seen = {};
      rows.forEach(function (r) { seen[r[key]] = true; });
      return Object.keys(seen).sort(function (a, b) { return a.localeCompare(b); });
    }
    var policy = select("policysite-filter-policy", t("filter_policy"), t("all_policies"), unique("policy"));
    var kind = select("policysite-filter-kind", t("filter_kind"), t("all_kinds"), unique("kind"));
    var status = el("p", { "class": "policysite-filter-status", role: "status" });
    box.appendChild(el("form", { "class": "policysite-filter" }, policy.concat(kind)));
    box.appendChild(status);
    var query = new URLSearchParams(location.search);
    policy[1].value = query.get("policy") || "";
    kind[1].value = query.get("kind") || "";
    function apply(remember) {
      var p = policy[1].value, k = kind[1].value, shown = 0;
      groups.forEach(function (group) {
        var visible = 0;
        group.rows.forEach(function (item) {
          var show = (!p || item.policy === p) && (!k || item.kind === k);
          if (item.row.hidden === show) item.row.hidden = !show;
          if (show) visible++;
        });
        group.top.hidden = !visible;
        if (group.heading && /^H2$/.test(group.heading.tagName)) group.heading.hidden = !visible;
        shown += visible;
      });
      status.textContent = (p || k) ? t("showing", { shown: shown, total: rows.length }) : "";
      if (remember) {
        var next = new URLSearchParams();
        if (p) next.set("policy", p);
        if (k) next.set("kind", k);
        var search = next.toString();
        history.replaceState(null, "", (search ? "?" + search : location.pathname) + location.hash);
      }
    }
    policy[1].addEventListener("change", function () { apply(true); });
    kind[1].addEventListener("change", function () { apply(true); });
    if (policy[1].value || kind[1].value) apply(false);
  }

  /* The language switcher lands on the same section: anchors are the same in every language
   * (check enforces it). The section is the fragment, or else the last heading scrolled past. */
  function currentSection() {
    if (location.hash.length > 1) return location.hash;
    var found = "";
    document.querySelectorAll("article h2[id], article h3[id]").forEach(function (heading) {
      if (heading.getBoundingClientRect().top <= 120) found = "#" + heading.id;
    });
    return found;
  }

  function keepSection(link) {
    link.addEventListener("click", function () {
      link.href = link.href.split("#")[0] + currentSection();
    });
  }

  function start() {
    followAlias();
    document.querySelectorAll(".policysite-changes-filter").forEach(setUpChangesFilter);
    document.querySelectorAll(".policysite-missing").forEach(setUpNotFound);
    nameSearchDialog();
    document.querySelectorAll(".md-content .ps-redline").forEach(setUpRedline);
    document.querySelectorAll("a.policysite-language").forEach(keepSection);
    document.querySelectorAll(".policysite-picker").forEach(setUpTools);
  }

  window.addEventListener("hashchange", followAlias);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
