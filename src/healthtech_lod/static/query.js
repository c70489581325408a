// Enhances the SPARQL query editor when JavaScript runs: syntax highlighting
// (a <pre> drawn under a transparent <textarea>) and Ctrl+Enter to run. The
// page works the same without it. Text is only ever set with textContent.
"use strict";

(function () {
  const editor = document.getElementById("query");
  if (!editor) return;
  const wrap = document.createElement("div");
  wrap.className = "editor enhanced";
  const shown = document.createElement("pre");
  shown.className = "highlight";
  shown.setAttribute("aria-hidden", "true");
  editor.parentNode.insertBefore(wrap, editor);
  wrap.appendChild(shown);
  wrap.appendChild(editor);

  const TOKENS = [
    ["comment", /#[^\n]*/y],
    ["string", /"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/y],
    ["iri", /<[^<>"{}|^`\\\s]*>/y],
    ["variable", /[?$][A-Za-z0-9_\u00C0-\uFFFF]+/y],
    ["keyword", /\b(?:BASE|PREFIX|SELECT|ASK|CONSTRUCT|DESCRIBE|WHERE|FROM|NAMED|GRAPH|OPTIONAL|UNION|MINUS|FILTER|BIND|VALUES|SERVICE|SILENT|GROUP|ORDER|BY|HAVING|LIMIT|OFFSET|DISTINCT|REDUCED|AS|ASC|DESC|NOT|EXISTS|IN|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT|SEPARATOR|a)\b/iy],
    ["pname", /[A-Za-z][\w.-]*:[\w.:%-]*|:[\w.:%-]+/y],
    ["number", /[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y],
  ];

  function highlight() {
    const text = editor.value;
    shown.textContent = "";
    let plain = "";
    let at = 0;
    const flush = () => {
      if (plain) shown.appendChild(document.createTextNode(plain));
      plain = "";
    };
    while (at < text.length) {
      let matched = false;
      for (const [kind, pattern] of TOKENS) {
        pattern.lastIndex = at;
        const found = pattern.exec(text);
        if (found && found[0].length) {
          flush();
          const span = document.createElement("span");
          span.className = "tok-" + kind;
          span.textContent = found[0];
          shown.appendChild(span);
          at += found[0].length;
          matched = true;
          break;
        }
      }
      if (!matched) plain += text[at++];
    }
    flush();
    shown.appendChild(document.createTextNode("\n"));  // room for a last empty line
    shown.scrollTop = editor.scrollTop;
    shown.scrollLeft = editor.scrollLeft;
  }

  editor.addEventListener("input", highlight);
  editor.addEventListener("scroll", () => {
    shown.scrollTop = editor.scrollTop;
    shown.scrollLeft = editor.scrollLeft;
  });
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      editor.form.requestSubmit();
    }
  });
  highlight();
})();
