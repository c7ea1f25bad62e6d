/* The result report page: save a product's line without leaving the page, show the
 * round total while typing, Ctrl+Enter to save. Everything works without this script:
 * the forms post normally and the page comes back with a message. No inline script,
 * no network other than this site.
 *
 * The page draws the form of the open rows only (issue #19: drawing 50 forms was most
 * of its time). Every other row holds a link that opens it through the server; with
 * this script, opening the row copies the page's one blank form (<template
 * id="line-form-template">, prefix __prefix__) and fills it from the rows' values
 * (<script id="line-values" type="application/json">). The handlers are bound on the
 * document, so copied forms save as the drawn ones do. */
(function () {
  "use strict";

  var THAI = "๐๑๒๓๔๕๖๗๘๙";

  function amount(text) {
    var s = String(text || "").trim();
    var out = "";
    for (var i = 0; i < s.length; i++) {
      var k = THAI.indexOf(s[i]);
      out += k >= 0 ? String(k) : s[i];
    }
    out = out.replace(/[,\s฿]/g, "").replace(/บาท$/, "");
    if (out === "" || out === "-" || out === "–") return 0;
    var n = Number(out);
    return isFinite(n) ? n : NaN;
  }

  function baht(n) {
    return n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function monthInputs(form) {
    return form.querySelectorAll("input[name$='-month_1'], input[name$='-month_2'], input[name$='-month_3'], input[name$='-month_4'], input[name$='-month_5'], input[name$='-month_6']");
  }

  function updateTotal(form) {
    var total = 0;
    var bad = false;
    monthInputs(form).forEach(function (input) {
      var n = amount(input.value);
      if (isNaN(n)) { bad = true; } else { total += n; }
    });
    var out = form.querySelector("[data-line-total]");
    if (out) out.textContent = bad ? "?" : baht(total);
  }

  function say(form, text, isError) {
    var status = form.querySelector("[data-line-status]");
    if (!status) return;
    status.textContent = text;
    status.className = isError ? "error" : "muted";
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function showErrors(form, errors) {
    var prefix = (form.querySelector("input[name$='-version']") || { name: "" }).name.replace(/version$/, "");
    Object.keys(errors || {}).forEach(function (field) {
      var input = form.querySelector("[name='" + prefix + field + "']");
      var p = document.createElement("p");
      p.className = "error field-error";
      p.textContent = errors[field].join(" ");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        p.id = input.id + "-error";
        input.setAttribute("aria-describedby", p.id);
        input.insertAdjacentElement("afterend", p);
      } else {
        form.insertAdjacentElement("afterbegin", p);
      }
    });
  }

  // The line's plausibility flags as saved: a figure that looks wrong is shown, never refused.
  function showFlags(row, flags) {
    if (!row) return;
    var list = row.querySelector("[data-flags]");
    if (!flags.length) { if (list) list.remove(); return; }
    if (!list) {
      list = document.createElement("ul");
      list.className = "flags";
      list.setAttribute("data-flags", "");
      if (row.cells[1]) row.cells[1].appendChild(list);
    }
    list.textContent = "";
    flags.forEach(function (text) {
      var item = document.createElement("li");
      item.className = "warning";
      item.textContent = text;
      list.appendChild(item);
    });
  }

  // The line's row as saved: its months, total, channels, last year and when it was saved.
  function showRow(row, data) {
    if (!row) return;
    function put(selector, text) {
      var cell = row.querySelector(selector);
      if (cell && text !== undefined) cell.textContent = text;
    }
    put("[data-row-total]", data.total);
    put("[data-row-channels]", data.channels);
    put("[data-row-baseline]", data.baseline);
    if (data.saved) put("[data-row-saved]", data.saved);
    row.querySelectorAll("[data-row-month]").forEach(function (cell, i) {
      if (data.months && data.months[i] !== undefined) cell.textContent = data.months[i];
    });
    showFlags(row, data.flags || []);
  }

  function save(form) {
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    clearErrors(form);
    say(form, "…", false);
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: response.statusText }; });
    }).then(function (data) {
      if (data.ok) {
        var version = form.querySelector("input[name$='-version']");
        if (version) version.value = data.version;
        say(form, data.message, false);
        if (data.started) {
          // This save started the report: its status and its other lines' forms change,
          // so the page is drawn again, at this line.
          window.location.reload();
          return;
        }
        var row = form.closest("tr") && form.closest("tr").previousElementSibling;
        showRow(row, data);
        var answered = document.querySelector("[data-progress-answered]");
        if (answered) answered.textContent = data.answered;
        var bar = document.querySelector("[data-progress] progress");
        if (bar) bar.value = data.answered;
      } else {
        // Someone else saved this line: what was typed stays in the form, and saving
        // again is made against the version now stored.
        var stale = form.querySelector("input[name$='-version']");
        if (stale && data.version !== undefined) stale.value = data.version;
        say(form, data.message, true);
        showErrors(form, data.errors);
      }
    }).catch(function () {
      say(form, form.dataset.networkError || "!", true);
    }).then(function () {
      if (button) button.disabled = false;
    });
  }

  // An amount as the server's form shows it (AmountField.prepare_value): "1,500",
  // "1,500.50"; a month without sales is empty, a baseline of zero is "0".
  function shown(value, blankIsZero) {
    if (value === "" || value === null || value === undefined) return "";
    var n = Number(value);
    if (!isFinite(n)) return String(value);
    if (blankIsZero && n === 0) return "";
    var text = baht(n);
    return text.slice(-3) === ".00" ? text.slice(0, -3) : text;
  }

  var PREFIXED = ["name", "id", "for", "aria-describedby"];
  var template = document.getElementById("line-form-template");
  var valuesNode = document.getElementById("line-values");
  var lineValues = valuesNode ? JSON.parse(valuesNode.textContent) : {};

  function fill(form, prefix, values) {
    Object.keys(values).forEach(function (field) {
      var input = form.querySelector("[name='" + prefix + "-" + field + "']");
      if (!input) return;
      var value = values[field];
      if (input.type === "checkbox") {
        input.defaultChecked = input.checked = value === true;
        return;
      }
      if (/^month_\d$/.test(field)) value = shown(value, true);
      else if (field === "sales_baseline") value = shown(value, false);
      // The default too, so that the form resets to the stored values as a drawn one does.
      input.defaultValue = input.value = String(value);
    });
  }

  // The row's form from the page's blank one, in place of the row's link.
  function openLine(details) {
    if (!template || details.querySelector("form[data-line-form]")) return;
    var fallback = details.querySelector("[data-line-fallback]");
    var entry = lineValues[details.getAttribute("data-line-key")];
    if (!fallback || !entry) return;  // the link still opens it through the server
    var form = template.content.querySelector("form[data-line-form]").cloneNode(true);
    PREFIXED.forEach(function (attr) {
      form.querySelectorAll("[" + attr + "]").forEach(function (el) {
        el.setAttribute(attr, el.getAttribute(attr).split("__prefix__").join(entry.prefix));
      });
    });
    form.setAttribute("action", entry.action);
    fill(form, entry.prefix, entry.values);
    var hint = form.querySelector("[data-line-hint]");
    if (hint) hint.textContent = entry.hint ? " · " + entry.hint : "";
    fallback.replaceWith(form);
    updateTotal(form);
    var first = form.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  // "toggle" does not bubble: it is caught on its way down.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.tagName === "DETAILS" && details.open && details.hasAttribute("data-line-key")) {
      openLine(details);
    }
  }, true);

  function lineForm(target) {
    return target && target.closest ? target.closest("form[data-line-form]") : null;
  }

  document.addEventListener("submit", function (event) {
    var form = lineForm(event.target);
    if (!form) return;
    event.preventDefault();
    save(form);
  });
  document.addEventListener("input", function (event) {
    var form = lineForm(event.target);
    if (form) updateTotal(form);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = lineForm(event.target);
    if (!form) return;
    event.preventDefault();
    save(form);
  });
})();
