/* briefgen: the site's search box and its two back ends (briefgen/search.py writes the indexes).
 *
 * pagefind: Pagefind's chunked index in pagefind/ (ES module + WebAssembly: needs a web server).
 * offline:  briefgen's own index in assets/search/, classic scripts loaded on demand with <script>
 *           elements, so that search works in a copy opened from file:// too.
 * Nothing is loaded from anywhere but this site; results are built as text, never as HTML.
 */
(function () {
  "use strict";
  var BACKEND = "pagefind";
  var MAX_RESULTS = 10;
  var CANDIDATES = 16; // of which the page named by the query is brought first
  var here = document.currentScript && document.currentScript.src;
  if (!here) return;
  var root = new URL("../", here).href; // this file is <root>/assets/search.js

  // --- the box --------------------------------------------------------------------------------------
  function element(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text) e.textContent = text;
    return e;
  }

  var box = element("div", "bg-search");
  box.setAttribute("role", "search");
  var input = element("input", "bg-search__input");
  input.type = "search";
  input.placeholder = "Search";
  input.autocomplete = "off";
  input.setAttribute("aria-label", "Search this briefing");
  var status = element("p", "bg-search__status");
  status.setAttribute("aria-live", "polite");
  var list = element("ol", "bg-search__results");
  var panel = element("div", "bg-search__panel");
  panel.hidden = true;
  panel.appendChild(status);
  panel.appendChild(list);
  box.appendChild(input);
  box.appendChild(panel);

  function place() {
    var header = document.querySelector(".md-header__inner");
    if (header) {
      var source = header.querySelector(".md-header__source");
      header.insertBefore(box, source);
    } else {
      document.body.insertBefore(box, document.body.firstChild);
    }
  }

  // an excerpt with <mark> around the words found: only text and <mark> are kept
  function excerpt(html) {
    var out = element("span", "bg-search__excerpt");
    var t = document.createElement("template");
    t.innerHTML = html || ""; // inert: a template's content runs no script and loads nothing
    t.content.childNodes.forEach(function (node) {
      if (node.nodeType === 3) out.appendChild(document.createTextNode(node.textContent));
      else if (node.nodeName === "MARK") out.appendChild(element("mark", "", node.textContent));
      else out.appendChild(document.createTextNode(node.textContent || ""));
    });
    return out;
  }

  function show(results, query) {
    list.textContent = "";
    status.textContent = results.length ? "" : "No page matches “" + query + "”.";
    results.forEach(function (r) {
      var li = element("li", "bg-search__result");
      var a = element("a", "bg-search__link");
      a.href = r.url;
      a.appendChild(element("span", "bg-search__title", r.title));
      a.appendChild(r.text !== undefined ? element("span", "bg-search__excerpt", r.text) : excerpt(r.excerpt));
      li.appendChild(a);
      list.appendChild(li);
    });
    panel.hidden = false;
  }

  // --- back end: Pagefind ---------------------------------------------------------------------------
  var pagefind = null;
  function loadPagefind() {
    if (!pagefind) {
      pagefind = import(root + "pagefind/pagefind.js").then(function (pf) {
        return Promise.resolve(pf.options({ baseUrl: new URL(root).pathname }))
          .then(function () { return pf.init && pf.init(); })
          .then(function () { return pf; });
      });
    }
    return pagefind;
  }
  function searchPagefind(query) {
    return loadPagefind().then(function (pf) { return pf.search(query); }).then(function (found) {
      return Promise.all(found.results.slice(0, CANDIDATES).map(function (r) { return r.data(); }));
    }).then(function (items) {
      return items.map(function (d) {
        var meta = d.meta || {};
        var names = [meta.title || ""].concat(meta.aliases ? meta.aliases.split("; ") : []);
        return { url: d.url, title: meta.title || d.url, excerpt: d.excerpt, names: names };
      });
    });
  }

  // --- back end: the offline index (classic scripts) ------------------------------------------------
  var files = {};
  var waiting = {};
  window.briefgenSearch = {
    add: function (name, data) {
      if (waiting[name]) waiting[name](data);
    }
  };
  function load(name) {
    if (!files[name]) {
      files[name] = new Promise(function (resolve) {
        waiting[name] = resolve;
        var s = document.createElement("script");
        s.src = root + "assets/search/" + name + ".js";
        s.onerror = function () { resolve(null); }; // no word of the index starts so
        document.head.appendChild(s);
      });
    }
    return files[name];
  }
  function fold(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  }
  function words(text) {
    return fold(text).match(/[\p{L}\p{N}_]+/gu) || [];
  }
  function key(word) {
    return Array.from(word).slice(0, 2).map(function (c) {
      return c.codePointAt(0).toString(16).padStart(4, "0");
    }).join("");
  }
  // page → best score of the word: the word itself counts in full, a longer word it begins half
  function scores(shard, word) {
    var found = new Map();
    if (!shard) return found;
    Object.keys(shard).forEach(function (w) {
      if (w.lastIndexOf(word, 0) !== 0) return;
      var factor = w === word ? 1 : 0.5;
      shard[w].forEach(function (posting) {
        var s = posting[1] * factor;
        if (!(found.get(posting[0]) >= s)) found.set(posting[0], s);
      });
    });
    return found;
  }
  function searchOffline(query) {
    var terms = words(query);
    if (!terms.length) return Promise.resolve([]);
    return Promise.all(terms.map(function (w) {
      return load("t-" + key(w)).then(function (shard) { return scores(shard, w); });
    })).then(function (perWord) {
      var total = perWord[0];
      perWord.slice(1).forEach(function (m) { // every word of the query must be on the page
        var next = new Map();
        total.forEach(function (s, page) { if (m.has(page)) next.set(page, s + m.get(page)); });
        total = next;
      });
      var best = Array.from(total.entries()).sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; })
        .slice(0, CANDIDATES);
      return Promise.all(best.map(function (e) { return load("p-" + Math.floor(e[0] / 256)); })).then(function (chunks) {
        return best.map(function (e, i) {
          var page = chunks[i] && chunks[i][e[0] % 256];
          return page ? { url: root + page[0], title: page[1], text: page[2], names: [page[1]].concat(page[3] || []) } : null;
        }).filter(Boolean);
      });
    });
  }

  // --- wiring ---------------------------------------------------------------------------------------
  var backend = BACKEND === "offline" ? searchOffline : searchPagefind;
  // the page whose name (or other name) is the query comes first, the rest keep the index's order
  function search(query) {
    var wanted = words(query).join(" ");
    function named(r) {
      return r.names.some(function (n) { return words(n).join(" ") === wanted; }) ? 1 : 0;
    }
    return backend(query).then(function (results) {
      return results.sort(function (a, b) { return named(b) - named(a); }).slice(0, MAX_RESULTS);
    });
  }
  var asked = 0;
  var timer = null;
  function run() {
    var query = input.value.trim();
    var mine = ++asked;
    if (!query) { panel.hidden = true; return; }
    search(query).then(function (results) {
      if (mine !== asked) return; // a later query is under way
      show(results, query);
    }, function (error) {
      if (mine !== asked) return;
      list.textContent = "";
      status.textContent = "Search is not available here (" + (error && error.message || error) + ").";
      panel.hidden = false;
    });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 80);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { panel.hidden = true; input.blur(); }
    if (event.key === "Enter") {
      var first = list.querySelector("a");
      if (first) window.location.href = first.href;
    }
  });
  document.addEventListener("click", function (event) {
    if (!box.contains(event.target)) panel.hidden = true;
  });
  input.addEventListener("focus", function () {
    if (BACKEND !== "offline") loadPagefind().catch(function () {}); // fetched while the reader types
    if (list.children.length) panel.hidden = false;
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", place);
  else place();
})();
