/* The result report page: save a product's line without leaving the page, show the
 * round total while typing, Ctrl+Enter to save. Everything works without this script:
 * the forms post normally and the page comes back with a message. No inline script,
 * no network other than this site. */
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

  document.querySelectorAll("form[data-line-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save(form);
    });
    form.addEventListener("input", function () { updateTotal(form); });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        save(form);
      }
    });
  });
})();
