// The badge designer on the achievement form: a live preview, and only the fields of the
// chosen image source in view. Without this script the form still works: its "Preview the
// design" button draws the preview on the server, and every field stays in view.
(function () {
  "use strict";

  var FIELDS = ["shape", "primary", "secondary", "icon", "text", "subtitle"];
  var COLOUR = /^#[0-9a-fA-F]{6}$/;
  var PLACEHOLDER_TEXT = "Achievement";
  var DELAY_MS = 250;

  var preview = document.getElementById("design-preview");
  var status = document.getElementById("design-preview-status");
  if (!preview) {
    return;
  }

  function field(name) {
    return document.getElementById("design-" + name);
  }

  // The preview endpoint's address for the fields as they are now; null while a colour is
  // not one the endpoint accepts.
  function previewUrl() {
    var query = new URLSearchParams();
    for (var i = 0; i < FIELDS.length; i++) {
      var input = field(FIELDS[i]);
      var value = input ? input.value.trim() : "";
      if ((FIELDS[i] === "primary" || FIELDS[i] === "secondary") && !COLOUR.test(value)) {
        return null;
      }
      if (FIELDS[i] === "text" && value === "") {
        value = PLACEHOLDER_TEXT;
      }
      if (value !== "") {
        query.set(FIELDS[i], value);
      }
    }
    return "/api/v1/designer/preview?" + query.toString();
  }

  var timer = null;
  function refresh() {
    var url = previewUrl();
    if (url === null) {
      status.textContent = "Write colours as # and six hex digits.";
      return;
    }
    if (preview.getAttribute("src") !== url) {
      preview.setAttribute("src", url);
    }
  }
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY_MS);
  }

  preview.addEventListener("load", function () {
    status.textContent = "";
  });
  preview.addEventListener("error", function () {
    status.textContent = "This design cannot be drawn: check its fields.";
  });
  FIELDS.forEach(function (name) {
    var input = field(name);
    if (input) {
      input.addEventListener("input", later);
      input.addEventListener("change", refresh);
    }
  });

  // Show the designer or the upload field according to the chosen source.
  var sources = document.querySelectorAll('input[name="image_source"]');
  var parts = {
    design: document.getElementById("image-designer"),
    upload: document.getElementById("image-upload")
  };
  function showChosen() {
    var chosen = document.querySelector('input[name="image_source"]:checked');
    var value = chosen ? chosen.value : "";
    Object.keys(parts).forEach(function (key) {
      if (parts[key]) {
        parts[key].hidden = key !== value;
      }
    });
  }
  for (var i = 0; i < sources.length; i++) {
    sources[i].addEventListener("change", showChosen);
  }

  // Choosing a file means uploading it.
  var file = document.getElementById("achievement-image");
  var upload = document.getElementById("image-source-upload");
  if (file && upload) {
    file.addEventListener("change", function () {
      if (file.files && file.files.length > 0) {
        upload.checked = true;
        showChosen();
      }
    });
  }

  showChosen();
  refresh();
})();
