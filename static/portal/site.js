// Small enhancements; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Facet checkboxes apply at once instead of waiting for the button.
  document.querySelectorAll("[data-facet-form]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target instanceof HTMLInputElement && target.type === "checkbox") {
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          form.submit();
        }
      }
    });
  });

  // On a phone the filters start folded so that results come first.
  var narrow = window.matchMedia("(max-width: 52rem)");
  if (narrow.matches) {
    document.querySelectorAll("[data-filters]").forEach(function (details) {
      details.open = false;
    });
  }

  // Completions from /api/suggest into the shared <datalist>.
  var list = document.getElementById("site-q-suggestions");
  if (!list || !window.fetch) {
    return;
  }
  var url = list.getAttribute("data-suggest-url");
  var timer = null;
  var last = "";
  document.querySelectorAll('input[list="site-q-suggestions"]').forEach(function (input) {
    input.addEventListener("input", function () {
      var prefix = input.value.trim();
      clearTimeout(timer);
      if (prefix.length < 2 || prefix === last) {
        return;
      }
      timer = setTimeout(function () {
        last = prefix;
        fetch(url + "?" + new URLSearchParams({ q: prefix }).toString(), {
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            return response.ok ? response.json() : [prefix, []];
          })
          .then(function (data) {
            var items = Array.isArray(data) && Array.isArray(data[1]) ? data[1] : [];
            list.replaceChildren.apply(
              list,
              items.slice(0, 10).map(function (text) {
                var option = document.createElement("option");
                option.value = String(text);
                return option;
              })
            );
          })
          .catch(function () {});
      }, 180);
    });
  });
})();
