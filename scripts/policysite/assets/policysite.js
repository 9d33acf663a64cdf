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

  function wordRedline(before, after) {
    var a = before ? before.split(" ") : [], b = after ? after.split(" ") : [];
    var container = el("p", { "class": "policysite-compare-text" });
    var counts = { added: 0, removed: 0 };
    var parts = a.length * b.length > 4000000
      ? [{ removed: a, added: b }] : runs(a, b, function (x, y) { return x === y; });
    parts.forEach(function (part) {
      if (part.kept !== undefined) { container.appendChild(document.createTextNode(part.kept + " ")); return; }
      if (part.removed.length) {
        container.appendChild(el("del", {}, [part.removed.join(" ")]));
        container.appendChild(document.createTextNode(" "));
        counts.removed += part.removed.length;
      }
      if (part.added.length) {
        container.appendChild(el("ins", {}, [part.added.join(" ")]));
        container.appendChild(document.createTextNode(" "));
        counts.added += part.added.length;
      }
    });
    return { node: container, counts: counts };
  }

  function renderComparison(output, from, to, oldBlocks, newBlocks, toUrl) {
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
            ["Version " + to.version + ": " + where.title]), diff.node);
        }
        list.appendChild(block);
      }
    });
    output.appendChild(el("p", { "class": "policysite-compare-summary" }, [
      "From version " + from.version + " to version " + to.version + ": " + changed +
      (changed === 1 ? " passage" : " passages") + " changed, " + added + " words added, " +
      removed + " words removed."
    ]));
    output.appendChild(list);
  }

  /* ---- the tools on /<policy>/versions/ ---- */

  function setUpTools(box) {
    var policy = box.getAttribute("data-policysite-policy");
    var changeUrl = box.getAttribute("data-policysite-change-url");
    var siteUrl = box.getAttribute("data-policysite-site-url") || "";
    fetch(new URL("versions.json", siteRoot)).then(function (response) {
      if (!response.ok) throw new Error("versions.json: HTTP " + response.status);
      return response.json();
    }).then(function (records) {
      var versions = records.filter(function (r) { return r.policy === policy; });
      buildInForce(box, versions, siteUrl);
      buildCompare(box, versions, siteUrl, changeUrl);
    }).catch(function (error) {
      box.appendChild(el("p", { "class": "policysite-error" }, ["The version tools could not load: " + error.message]));
    });
  }

  function buildInForce(box, versions, siteUrl) {
    var input = el("input", { type: "date", id: "policysite-date", name: "date", required: "" });
    var message = el("p", { "class": "policysite-message", role: "status" });
    var form = el("form", { "class": "policysite-inforce" }, [
      el("label", { "for": "policysite-date" }, ["Show the policy in force on "]), input, " ",
      el("button", { type: "submit", "class": "md-button" }, ["Show"])
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var day = input.value;
      var found = null;
      versions.forEach(function (v) { if (v.effective <= day) found = v; });
      if (!found) {
        message.textContent = "No version of this policy was in force on " + longDate(day) +
          "; the first took effect on " + longDate(versions[0].effective) + ".";
        return;
      }
      location.href = pageUrl(found, siteUrl).href;
    });
    box.appendChild(form);
    box.appendChild(message);
  }

  function buildCompare(box, versions, siteUrl, changeUrl) {
    function select(id, chosen) {
      var node = el("select", { id: id });
      versions.forEach(function (v, index) {
        var option = el("option", { value: String(index) }, [v.version + " (" + longDate(v.effective) + ")"]);
        if (index === chosen) option.selected = true;
        node.appendChild(option);
      });
      return node;
    }
    if (versions.length < 2) return;
    var from = select("policysite-from", versions.length - 2);
    var to = select("policysite-to", versions.length - 1);
    var output = el("div", { "class": "policysite-compare-result", "aria-live": "polite" });
    var form = el("form", { "class": "policysite-compare" }, [
      el("label", { "for": "policysite-from" }, ["Compare version "]), from,
      el("label", { "for": "policysite-to" }, [" with "]), to, " ",
      el("button", { type: "submit", "class": "md-button" }, ["Compare"])
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var a = Number(from.value), b = Number(to.value);
      if (a === b) { output.textContent = "Choose two different versions."; return; }
      var newer = versions[Math.max(a, b)];
      var oldRecord = versions[a], newRecord = versions[b];
      if (Math.abs(a - b) === 1 && a < b && changeUrl) {
        location.href = new URL(changeUrl.replace("{version}", newer.version), location.href).href;
        return;
      }
      output.textContent = "Comparing…";
      var urls = [pageUrl(oldRecord, siteUrl), pageUrl(newRecord, siteUrl)];
      Promise.all(urls.map(function (url) {
        return fetch(url).then(function (r) {
          if (!r.ok) throw new Error(url.pathname + ": HTTP " + r.status);
          return r.text();
        });
      })).then(function (pages) {
        renderComparison(output, oldRecord, newRecord, blocksOf(pages[0]), blocksOf(pages[1]), urls[1]);
      }).catch(function (error) { output.textContent = "Could not compare: " + error.message; });
    });
    box.appendChild(form);
    box.appendChild(output);
  }

  function start() {
    followAlias();
    document.querySelectorAll(".policysite-picker").forEach(setUpTools);
  }

  window.addEventListener("hashchange", followAlias);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
