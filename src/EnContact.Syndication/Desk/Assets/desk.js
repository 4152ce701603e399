// The editor's desk: live progress of the editions being sent (server-sent events), and a confirmation
// before the actions that cannot be undone. The pages work without it.
"use strict";
document.addEventListener("submit", (event) => {
  const question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
(function () {
  const table = document.querySelector("[data-progress-stream]");
  if (!table || !window.EventSource) return;
  const source = new EventSource(table.getAttribute("data-progress-stream"));
  const number = (n) => new Intl.NumberFormat("fr-FR").format(n);
  source.addEventListener("progress", (event) => {
    for (const p of JSON.parse(event.data)) {
      const row = table.querySelector(`[data-campaign="${CSS.escape(p.campaign)}"]`);
      if (!row) continue;
      const set = (field, text) => { const cell = row.querySelector(`[data-field="${field}"]`); if (cell) cell.textContent = text; };
      set("state", p.stateText);
      set("sent", number(p.sent));
      set("failed", number(p.failed));
      set("bounced", p.bounced);
      set("pending", number(p.pending + p.sending));
      set("rate", p.rate);
      set("eta", p.eta);
      set("classes", p.classes);
      const bar = row.querySelector("progress");
      if (bar) bar.value = p.percent;
    }
  });
})();
