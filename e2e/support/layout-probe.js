// The layout probe the guard-layout e2e runs inside the page (plain JS: the Node-side typecheck has no
// DOM). Every visible box that carries text or colour is measured; text blocks by their text (a
// Range), not their box, so text spilling out of its box is caught too. Evaluates to
// { problems: string[], verdictPx: number, tone: string }.
(() => {
  const problems = [];
  const W = window.innerWidth;
  const H = window.innerHeight;
  const visible = (e) => {
    const s = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && Number(s.opacity) > 0 && r.width > 1 && r.height > 1 && !(e).closest('[hidden]');
  };
  const textRects = (e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
  };
  const union = (rects) => {
    const l = Math.min(...rects.map((r) => r.left));
    const t = Math.min(...rects.map((r) => r.top));
    return new DOMRect(l, t, Math.max(...rects.map((r) => r.right)) - l, Math.max(...rects.map((r) => r.bottom)) - t);
  };
  /** Lines of text: rects grouped by vertical overlap (a CJK and a Latin glyph on one line differ in height). */
  const lineCount = (rects) => {
    const sorted = [...rects].sort((a, b) => a.top - b.top);
    let lines = 0;
    let bottom = -Infinity;
    for (const r of sorted) {
      if (r.top >= bottom - 2) lines += 1;
      bottom = Math.max(bottom, r.bottom);
    }
    return lines;
  };
  const name = (e) => e.id || `${(e.parentElement?.id ?? '')}>${e.tagName.toLowerCase()}[${[...(e.parentElement?.children ?? [])].indexOf(e)}]${(e).dataset.id ? `(${(e).dataset.id})` : ''}`;

  // Boxes with a background or a frame are measured as boxes; plain text by its text.
  const boxed = [...document.querySelectorAll('#status-items li, #status-bar button, #demo-badge, #review-panel button, #review-pin, #preview, #wait-guard, #trust-stale, #device-detail')];
  const texts = [...document.querySelectorAll('#kiosk-name, #clock, #headline, #subline, #person > span, #reason, #other-reasons li, #hints li, #review-prompt, #countdown, #error-line')];
  const items = [];
  for (const e of boxed) if (visible(e)) items.push({ id: name(e), rect: e.getBoundingClientRect() });
  for (const e of texts) {
    if (!visible(e)) continue;
    const rects = textRects(e);
    if (rects.length) items.push({ id: name(e), rect: union(rects) });
  }
  for (const { id, rect } of items) {
    if (rect.left < -0.5 || rect.top < -0.5 || rect.right > W + 0.5 || rect.bottom > H + 0.5) {
      problems.push(`${id} leaves the screen: ${Math.round(rect.left)},${Math.round(rect.top)}–${Math.round(rect.right)},${Math.round(rect.bottom)} of ${W}×${H}`);
    }
  }
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i].rect;
      const b = items[j].rect;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5) problems.push(`${items[i].id} overlaps ${items[j].id} (${Math.round(w)}×${Math.round(h)} px)`);
    }
  }
  // Never broken inside: a name, a province, a number with its unit, a chip, a button, the verdict word.
  const atomic = [...document.querySelectorAll('#person > span, #status-items li, #status-bar button, #review-panel button, #countdown, #clock, #demo-badge')];
  const tone = document.getElementById('guard').dataset.tone ?? '';
  if (['pass', 'stop', 'check'].includes(tone)) atomic.push(document.getElementById('headline'));
  for (const e of atomic) {
    if (!visible(e)) continue;
    const lines = lineCount(textRects(e));
    if (lines > 1) problems.push(`${name(e)} "${e.textContent}" breaks over ${lines} lines`);
    const he = e;
    if (he.scrollWidth > he.clientWidth + 1 && getComputedStyle(e).display !== 'inline') problems.push(`${name(e)} "${e.textContent}" is clipped`);
  }
  const verdictPx = parseFloat(getComputedStyle(document.getElementById('headline')).fontSize);
  return { problems, verdictPx, tone };
})()
