/* Photos of an inspection item, sent one file a request as soon as they are taken, so that a
   phone on a weak network never has to send them all again with the results. A failed
   request is sent again as it was: the server keeps one photo per file and item. */
document.addEventListener("alpine:init", function () {
  "use strict";

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  async function send(url, body) {
    for (var attempt = 0; attempt < 3; attempt += 1) {
      try {
        return await fetch(url, {
          method: "POST",
          body: body,
          headers: {"X-CSRFToken": csrfToken()},
          credentials: "same-origin",
        });
      } catch (error) {
        await wait(1000 * (attempt + 1)); /* the network, not the server: try again */
      }
    }
    return null;
  }

  /* On the item's box: data-upload-url, data-item-id, data-network-error (the message). */
  window.Alpine.data("itemPhotos", function () {
    return {
      busy: false,
      error: "",
      async upload(event) {
        var box = this.$root.dataset;
        var input = event.target;
        var files = Array.prototype.slice.call(input.files);
        this.busy = true;
        this.error = "";
        for (var i = 0; i < files.length; i += 1) {
          var body = new FormData();
          body.append("item", box.itemId);
          body.append("photo", files[i]);
          if (!(await this.swap(await send(box.uploadUrl, body)))) { break; }
        }
        input.value = "";
        this.busy = false;
      },
      async remove(event) {
        var button = event.target.closest("[data-remove-url]");
        if (!button) { return; }
        this.busy = true;
        this.error = "";
        await this.swap(await send(button.dataset.removeUrl, new FormData()));
        this.busy = false;
      },
      /* The server answers the item's photo strip (with its error message, if any). */
      async swap(response) {
        var networkError = this.$root.dataset.networkError;
        if (response === null) { this.error = networkError; return false; }
        var html = await response.text();
        if (response.headers.get("Content-Type").indexOf("text/html") === 0 && html.indexOf("<html") === -1) {
          this.$refs.strip.innerHTML = html;
        } else {
          this.error = networkError;
        }
        return response.ok;
      },
    };
  });
});
