// Suggests entities as you type in the search box of every page, from the
// reconciliation service's suggest service (the form's data-suggest), each linking
// to its page (through data-view). Without JavaScript, or when the service does
// not answer, the box stays a plain search form. Text is only ever set with
// textContent.
"use strict";

(function () {
  const WAIT = 150;  // ms after the last key before asking
  const SHORTEST = 2;  // characters typed before suggesting

  document.querySelectorAll("form[data-suggest]").forEach((form, n) => {
    const input = form.querySelector("input[name=q]");
    if (!input) return;
    const list = document.createElement("ul");
    list.id = "suggestions-" + n;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    form.classList.add("suggesting");
    form.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    let timer = null;
    let pending = null;
    let active = -1;

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function show(items) {
      list.textContent = "";
      active = -1;
      items.forEach((item, i) => {
        const option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        const link = document.createElement("a");
        link.href = form.dataset.view + "?id=" + encodeURIComponent(item.id);
        link.textContent = item.name;
        option.appendChild(link);
        const kinds = (item.notable || []).map((kind) => kind.name).join(", ");
        if (kinds) {
          const kind = document.createElement("span");
          kind.className = "kind";
          kind.textContent = " (" + kinds + ")";
          option.appendChild(kind);
        }
        list.appendChild(option);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", String(items.length > 0));
    }

    async function suggest() {
      const text = input.value.trim();
      if (pending) pending.abort();
      if (text.length < SHORTEST) {
        close();
        return;
      }
      pending = new AbortController();
      const query = new URLSearchParams({ prefix: text, lang: document.documentElement.lang });
      try {
        const response = await fetch(form.dataset.suggest + "?" + query, {
          signal: pending.signal,
          headers: { Accept: "application/json" },
        });
        if (!response.ok) throw new Error(response.statusText);
        const body = await response.json();
        if (input.value.trim() === text) show(body.result || []);
      } catch (error) {
        if (error.name !== "AbortError") close();
      }
    }

    function move(step) {
      const options = list.querySelectorAll("li");
      if (!options.length) return;
      if (active >= 0) options[active].removeAttribute("aria-selected");
      active = (active + step + options.length) % options.length;
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(suggest, WAIT);
    });
    input.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        move(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        list.querySelectorAll("li a")[active].click();
      }
    });
    // A click on a suggestion keeps the focus in the box, so that blur closes the
    // list only when the reader leaves it.
    list.addEventListener("mousedown", (event) => event.preventDefault());
    input.addEventListener("blur", close);
  });
})();
