// Building the page's elements. Every string given here becomes a text node
// or an attribute value: nothing is ever parsed as markup.

/** An element with attributes (`class`, `data-*`, `title`, ...) and children: nodes, or strings that become text. */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else element.setAttribute(name, String(value));
  }
  return fill(element, ...children);
}

/** Replaces what `element` holds with `children`: nodes, or strings that become text; null, undefined and false are left out. */
export function fill(element, ...children) {
  const nodes = children.flat(Infinity).filter((child) => child !== undefined && child !== null && child !== false);
  element.replaceChildren(...nodes.map((child) => (child instanceof Node ? child : String(child))));
  return element;
}

export function bar(count, of, title) {
  const share = of === 0 ? 0 : Math.min(1, count / of);
  const fill = h("span", { class: "fill" });
  fill.style.width = `${(share * 100).toFixed(1)}%`;
  const kind = of > 0 && count >= of ? "full" : count === 0 ? "empty" : "partial";
  return h("span", { class: `bar ${kind}`, role: "img", "aria-label": title, title }, fill);
}

export function row(label, ...content) {
  return h("div", { class: "row" }, h("span", { class: "label" }, label), h("span", { class: "value" }, content));
}

export function badge(text, kind) {
  return h("span", { class: `badge ${kind}` }, text);
}
