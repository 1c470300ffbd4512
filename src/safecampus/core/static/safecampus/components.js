/* The pages' Alpine components. Alpine is its CSP build (vendor/README.md): it evaluates no
   code written in an attribute, only names and simple expressions over a component's fields.
   So each x-data names a component registered here (or in an app's static file, e.g.
   inspections/photos.js), whose methods do the work; the page passes what the component
   needs in data- attributes.

   Forms that a phone may send twice carry a hidden client_key (docs/architecture.md §10):
   data-key="<name>" on the form names its key in SafeCampusKeys (keys.js); with data-key-kept
   a key the server put back into the form (after a refused submission) is kept. */
document.addEventListener("alpine:init", function () {
  "use strict";

  function fillKey(form) {
    var field = form.querySelector("input[name=client_key]");
    if (!field || !form.dataset.key) { return; }
    if (form.dataset.keyKept !== undefined && field.value) { return; }
    field.value = window.SafeCampusKeys.get(form.dataset.key);
  }

  /* The browser's position into the form's hidden latitude and longitude, if it gives one. */
  function locate(form, options) {
    var lat = form.querySelector("input[name=latitude]");
    var lng = form.querySelector("input[name=longitude]");
    if (!lat || !lng || !navigator.geolocation) { return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      lat.value = p.coords.latitude.toFixed(6);
      lng.value = p.coords.longitude.toFixed(6);
    }, function () { /* no position: the form goes without one */ }, options);
  }

  /* A form with a client_key and nothing else. */
  window.Alpine.data("keyedForm", function () {
    return {init() { fillKey(this.$root); }};
  });

  /* One measure of "my checks": the hazard level shows once the check may fail (a note
     written, or the pointer on the fail button). */
  window.Alpine.data("measureCheck", function () {
    return {
      failed: false,
      note: "",
      init() { fillKey(this.$root); },
      fail() { this.failed = true; },
      get levelShown() { return this.failed || this.note.trim() !== ""; },
    };
  });

  /* The patrol scan: the key, the position, and the hazard fields behind the switch (on
     again when the server sends the form back with a hazard). */
  window.Alpine.data("patrolScan", function () {
    return {
      hazard: false,
      init() {
        this.hazard = this.$root.dataset.hazard === "true";
        fillKey(this.$root);
        locate(this.$root, {timeout: 8000, maximumAge: 60000});
      },
    };
  });

  /* An inspection on site: the key, the position, and "the other items passed". */
  window.Alpine.data("inspectionForm", function () {
    return {
      init() {
        fillKey(this.$root);
        locate(this.$root);
      },
      restPass() {
        this.$root.querySelectorAll("[data-item]").forEach(function (card) {
          if (!card.querySelector("input[type=radio]:checked")) {
            card.querySelector("input[value=pass]").checked = true;
          }
        });
      },
    };
  });

  /* The alarm button: disabled and relabelled once pressed, so a second press sends nothing. */
  window.Alpine.data("alarmPress", function () {
    return {
      sending: false,
      send() { this.sending = true; },
    };
  });
});
