/* Submission keys that make a retried submission harmless (the server records it once).
   A form keeps its key while the user goes back and forth (the phone's back button, a
   reload), and gets a new one when the user opens the form afresh. */
window.SafeCampusKeys = (function () {
  "use strict";

  function fresh() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now() + "-" + Math.random().toString(16).slice(2) + Math.random().toString(16).slice(2);
  }

  function navigationType() {
    var entry = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    return entry ? entry.type : "navigate";
  }

  function get(name) {
    var storageKey = "safecampus-key-" + name;
    var key = null;
    try { key = sessionStorage.getItem(storageKey); } catch (e) { /* private mode: no storage */ }
    if (!key || navigationType() === "navigate") {
      key = fresh();
      try { sessionStorage.setItem(storageKey, key); } catch (e) { /* ignore */ }
    }
    return key;
  }

  return {get: get};
})();
