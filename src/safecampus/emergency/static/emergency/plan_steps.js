/* The step editor of an emergency plan: one row per step (who does it, what to do), rows
   added, removed and moved on a phone with large buttons. The rows are plain form fields
   (step_role, step_text), so the server reads them in order whatever this script does. */
document.addEventListener("alpine:init", function () {
  "use strict";

  var next = 0;
  function row(step) {
    next += 1;
    return {key: next, role: (step && step.role) || "", text: (step && step.text) || ""};
  }

  window.Alpine.data("planSteps", function (sourceId, maxSteps) {
    var source = document.getElementById(sourceId);
    var steps = source ? JSON.parse(source.textContent) : [];
    return {
      rows: (steps.length ? steps : [{}]).map(row),
      max: maxSteps,
      add(index) {
        if (this.rows.length >= this.max) { return; }
        var at = index === undefined ? this.rows.length : index + 1;
        this.rows.splice(at, 0, row());
        this.$nextTick(function () {
          var boxes = this.$root.querySelectorAll("textarea[name=step_text]");
          if (boxes[at]) { boxes[at].focus(); }
        }.bind(this));
      },
      remove(index) {
        this.rows.splice(index, 1);
        if (!this.rows.length) { this.rows.push(row()); }
      },
      move(index, by) {
        var to = index + by;
        if (to < 0 || to >= this.rows.length) { return; }
        var moved = this.rows.splice(index, 1)[0];
        this.rows.splice(to, 0, moved);
      },
      get filled() {
        return this.rows.filter(function (r) { return r.text.trim(); }).length;
      },
    };
  });
});
