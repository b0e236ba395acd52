// Small enhancements; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Facet checkboxes apply at once instead of waiting for the button; the
  // checkbox gets the focus back on the new page, for keyboard users.
  var FOCUS_KEY = "portal-facet-focus";
  try {
    var focusId = sessionStorage.getItem(FOCUS_KEY);
    sessionStorage.removeItem(FOCUS_KEY);
    var again = focusId && document.getElementById(focusId);
    if (again) {
      var folded = again.closest("details");
      while (folded) {
        folded.open = true;
        folded = folded.parentElement && folded.parentElement.closest("details");
      }
      again.focus();
    }
  } catch (e) {
    // Storage may be disabled; the page works the same without it.
  }
  document.querySelectorAll("[data-facet-form]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target instanceof HTMLInputElement && target.type === "checkbox") {
        try {
          sessionStorage.setItem(FOCUS_KEY, target.id);
        } catch (e) {
          // As above.
        }
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          form.submit();
        }
      }
    });
  });

  // On a phone the filters start folded so that results come first, unless
  // the reader is in the middle of choosing them.
  var narrow = window.matchMedia("(max-width: 52rem)");
  if (narrow.matches) {
    document.querySelectorAll("[data-filters]").forEach(function (details) {
      if (!details.contains(document.activeElement)) {
        details.open = false;
      }
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
