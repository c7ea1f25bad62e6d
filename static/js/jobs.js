/* A job's page: follow its progress without reloading, then reload once to show the
 * result (the summary, the problems, or the file to download), which the server
 * renders. Polls the job's status.json, every second at first and less often as the
 * job goes on; pauses while the tab is hidden. No inline script, no network other than
 * this site. Without this script the page still works: reloading shows the progress. */
(function () {
  "use strict";

  var card = document.getElementById("job-state");
  if (!card || !card.dataset.statusUrl) return;

  var url = card.dataset.statusUrl;
  var bar = document.getElementById("job-progress");
  var counts = card.querySelector("[data-job-counts]");
  var stage = card.querySelector("[data-job-stage]");
  var stalled = card.querySelector("[data-job-stalled]");
  var badge = card.querySelector("[data-job-status]");
  var delay = 1000;
  var MAX_DELAY = 5000;
  var lastStage = stage ? stage.textContent : "";

  function show(state) {
    if (badge) badge.textContent = state.status_label;
    if (bar) {
      if (state.total > 0) {
        bar.max = state.total;
        bar.value = Math.min(state.done, state.total);
        bar.textContent = state.percent + " %";
      } else {
        // No value: an indeterminate bar, announced as busy.
        bar.removeAttribute("value");
        bar.textContent = "";
      }
    }
    if (counts) {
      // The server words the counts: it knows how the reader's language says one or many.
      counts.textContent = state.total > 0 ? state.counts_text : card.dataset.textUnknown;
    }
    if (stage) {
      var text = state.stage || "";
      if (state.ahead_text) text += (text ? " " : "") + state.ahead_text;
      // Only a change of step is announced (the region is aria-live), not every row.
      if (text !== lastStage) {
        stage.textContent = text;
        lastStage = text;
      }
    }
    if (stalled) stalled.hidden = !state.stalled;
  }

  function schedule() {
    window.setTimeout(poll, delay);
    delay = Math.min(MAX_DELAY, Math.round(delay * 1.2));
  }

  function poll() {
    if (document.hidden) {
      schedule();
      return;
    }
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) {
          window.location.reload();
        } else {
          schedule();
        }
      })
      .catch(function () {
        if (stage && card.dataset.textOffline) {
          stage.textContent = card.dataset.textOffline;
          lastStage = stage.textContent;
        }
        delay = MAX_DELAY;
        schedule();
      });
  }

  schedule();
})();
