// Files the user takes away: a download of bytes or text, and the topology and the pipeline as
// self-contained SVG (the page's own stylesheet and the theme's colours embedded, nothing
// fetched) and as PNG (that SVG drawn onto a canvas: an image from a data: URL, which the
// Content-Security-Policy's img-src allows; blob: images it does not).

/** Saves bytes or text as a file through a temporary link, as the browser downloads. */
export function saveFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `same-bridge-hairpin-node-iptables-save.txt`: what a file name may hold, from any text. */
export function fileName(...parts: string[]): string {
  return parts
    .filter(Boolean)
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '_');
}

// The theme's colours and fonts, resolved from the page: inside a standalone SVG `:root` is the
// svg element, so the page's `:root[data-theme=...]` rules would not apply.
const THEME_VARS = [
  '--bg',
  '--panel',
  '--fg',
  '--dim',
  '--line',
  '--accent',
  '--accent-bg',
  '--ok',
  '--bad',
  '--warn-bg',
  '--cur',
  '--cur-line',
  '--tcp',
  '--udp',
  '--icmp',
  '--arp',
  '--mono',
  '--sans',
];

/**
 * Sets the theme's variables on `el` through the CSSOM: a `style` attribute written as text
 * would be an inline style the Content-Security-Policy (style-src) refuses.
 */
function setTheme(el: SVGElement | HTMLElement): void {
  const cs = getComputedStyle(document.documentElement);
  for (const v of THEME_VARS) el.style.setProperty(v, cs.getPropertyValue(v).trim());
}

/** The page's own style rules, as text (same-origin sheets only: there are no others). */
function pageCss(): string {
  const out: string[] = [];
  for (const sheet of document.styleSheets) {
    try {
      for (const r of sheet.cssRules) out.push(r.cssText);
    } catch {
      // A sheet from elsewhere cannot be read; the app loads none.
    }
  }
  return out.join('\n');
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const XHTML_NS = 'http://www.w3.org/1999/xhtml';

function styleEl(css: string): SVGStyleElement {
  const s = document.createElementNS(SVG_NS, 'style');
  s.textContent = css;
  return s;
}

/** A standalone SVG document of `w` x `h` px: its title, the theme, the page's rules, a background. */
function svgDocument(w: number, h: number, title: string): SVGSVGElement {
  const out = document.createElementNS(SVG_NS, 'svg');
  out.setAttribute('xmlns', SVG_NS);
  out.setAttribute('width', String(w));
  out.setAttribute('height', String(h));
  out.setAttribute('viewBox', `0 0 ${w} ${h}`);
  setTheme(out);
  const t = document.createElementNS(SVG_NS, 'title');
  t.textContent = title;
  out.append(t, styleEl(pageCss()), background(w, h));
  return out;
}

function background(w: number, h: number): SVGRectElement {
  const r = document.createElementNS(SVG_NS, 'rect');
  r.setAttribute('x', '0');
  r.setAttribute('y', '0');
  r.setAttribute('width', String(w));
  r.setAttribute('height', String(h));
  r.setAttribute('fill', getComputedStyle(document.documentElement).getPropertyValue('--panel').trim());
  return r;
}

/**
 * The topology as drawn now: the svg with the page's styles, the packets (a canvas) as an
 * embedded image and the packet labels as text, all in one standalone SVG document.
 */
export function topologySvg(wrap: HTMLElement): string {
  const svg = wrap.querySelector<SVGSVGElement>('svg.topology');
  if (!svg) throw new Error('no topology drawn');
  const box = svg.getBoundingClientRect();
  const w = Math.round(box.width);
  const h = Math.round(box.height);
  const out = svgDocument(w, h, svg.getAttribute('aria-label') ?? 'topology');
  const drawing = svg.cloneNode(true) as SVGSVGElement;
  drawing.setAttribute('width', String(w));
  drawing.setAttribute('height', String(h));
  drawing.removeAttribute('style');
  out.appendChild(drawing);
  const canvas = wrap.querySelector<HTMLCanvasElement>('canvas.topology-packets');
  if (canvas && canvas.width > 1) {
    const img = document.createElementNS(SVG_NS, 'image');
    img.setAttribute('href', canvas.toDataURL('image/png'));
    img.setAttribute('width', String(w));
    img.setAttribute('height', String(h));
    out.appendChild(img);
  }
  for (const el of wrap.querySelectorAll<HTMLElement>('.pkt-label')) {
    if (el.hidden) continue;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const g = document.createElementNS(SVG_NS, 'g');
    const rect = document.createElementNS(SVG_NS, 'rect');
    const x = r.left - box.left;
    const y = r.top - box.top;
    rect.setAttribute('x', x.toFixed(1));
    rect.setAttribute('y', y.toFixed(1));
    rect.setAttribute('width', r.width.toFixed(1));
    rect.setAttribute('height', r.height.toFixed(1));
    rect.setAttribute('rx', '3');
    rect.setAttribute('fill', cs.backgroundColor);
    rect.setAttribute('stroke', cs.borderTopColor);
    const text = document.createElementNS(SVG_NS, 'text');
    text.setAttribute('x', (x + 5).toFixed(1));
    text.setAttribute('y', (y + r.height / 2).toFixed(1));
    text.setAttribute('dominant-baseline', 'central');
    text.setAttribute('fill', cs.color);
    text.style.font = `${cs.fontSize} ${cs.fontFamily}`;
    text.style.whiteSpace = 'pre';
    text.textContent = el.textContent ?? '';
    g.append(rect, text);
    out.appendChild(g);
  }
  return new XMLSerializer().serializeToString(out);
}

/**
 * An HTML view (the pipeline) as a standalone SVG: the element's copy inside a foreignObject,
 * with the page's style rules and the theme's variables, at the size it has on screen. The
 * wrapper carries the classes the view's rules hang from (`container` for container queries).
 */
export function htmlSvg(el: HTMLElement, wrapperClass: string, title: string): string {
  const r = el.getBoundingClientRect();
  const w = Math.ceil(r.width);
  const h = Math.ceil(r.height);
  const out = svgDocument(w, h, title);
  const fo = document.createElementNS(SVG_NS, 'foreignObject');
  fo.setAttribute('x', '0');
  fo.setAttribute('y', '0');
  fo.setAttribute('width', String(w));
  fo.setAttribute('height', String(h));
  const wrap = document.createElementNS(XHTML_NS, 'div') as HTMLDivElement;
  wrap.setAttribute('class', wrapperClass);
  const cs = getComputedStyle(el);
  setTheme(wrap);
  // Both sizes: the pipeline's container is sized both ways (its type follows its height too).
  wrap.style.width = `${w}px`;
  wrap.style.height = `${h}px`;
  wrap.style.color = 'var(--fg)';
  wrap.style.font = `${cs.fontSize} / 1.35 var(--sans)`;
  wrap.style.padding = '0';
  wrap.style.margin = '0';
  wrap.appendChild(el.cloneNode(true));
  fo.appendChild(wrap);
  out.appendChild(fo);
  return new XMLSerializer().serializeToString(out);
}

/** An SVG document drawn onto a canvas at `scale`, as PNG bytes. */
export async function svgToPng(svg: string, scale = 2): Promise<Blob> {
  const img = new Image();
  img.decoding = 'async';
  const loaded = new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('the SVG could not be drawn'));
  });
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await loaded;
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
  canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
  );
}
