// Tiny DOM builders for the atlas pages: plain elements, no framework.
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined>;

function fill<E extends Element>(el: E, attrs: Attrs, children: Child[]): E {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : String(c));
  }
  return el;
}

/** An HTML element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element with attributes and children. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  return fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);
}

/** A number for people: 3 significant digits, exponent notation for the very large and very small. */
export function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e4 || a < 1e-3) return x.toExponential(2);
  return x.toPrecision(3);
}

/**
 * Tabs: one button per panel, the first shown. Each panel gets `data-tab` with its label so tests and styles can
 * find it.
 */
export function tabs(name: string, panels: { label: string; content: HTMLElement }[]): HTMLElement {
  const bar = h('div', { class: 'tabs', role: 'tablist', 'aria-label': name });
  const box = h('div', { class: 'tab-box' }, bar);
  const buttons: HTMLButtonElement[] = [];
  panels.forEach(({ label, content }, i) => {
    const button = h('button', { type: 'button', role: 'tab', 'data-tab': label }, label);
    content.setAttribute('role', 'tabpanel');
    content.dataset.tab = label;
    content.hidden = i !== 0;
    button.setAttribute('aria-selected', String(i === 0));
    button.addEventListener('click', () => {
      panels.forEach((p, j) => {
        p.content.hidden = j !== i;
        buttons[j]!.setAttribute('aria-selected', String(j === i));
      });
    });
    buttons.push(button);
    bar.append(button);
    box.append(content);
  });
  return box;
}
