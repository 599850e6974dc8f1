import { expect, type Locator } from '@playwright/test';

// axe leaves out what it cannot compute, and a <select>'s own text is among it; these checks measure it in the page.

/** WCAG AA for normal text. */
const MIN_CONTRAST = 4.5;

/** The little of the DOM that the in-page checks use: the tests compile without the DOM library. */
export interface PageElement {
  tagName: string;
  classList: Iterable<string>;
  parentElement: PageElement | null;
  textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number };
  dispatchEvent(event: object): boolean;
}
declare const getComputedStyle: (el: PageElement, pseudo?: string | null) => { color: string; opacity: string; backgroundImage: string; backgroundColor: string };

interface Contrast {
  ratio: number;
  text: string;
  background: string;
  /** Set when something behind the text is an image or gradient, whose contrast cannot be worked out. */
  unknown?: string;
}

/**
 * The contrast of an element's text (or its placeholder) against what is painted behind it, worked out
 * in the page: the background colours of the element and its ancestors are laid over one another up to
 * the first opaque one (white canvas if none), and the text colour, faded by any opacity, over that.
 */
function contrastInPage(el: PageElement, placeholder: boolean): Contrast {
  const rgba = (css: string): [number, number, number, number] => {
    const parts = /rgba?\(([^)]+)\)/.exec(css)?.[1]?.split(/[\s,/]+/).filter(Boolean).map(Number);
    if (!parts || parts.length < 3) throw new Error(`unreadable colour ${css}`);
    return [parts[0]!, parts[1]!, parts[2]!, parts[3] ?? 1];
  };
  const over = (top: number[], below: number[]) => [0, 1, 2].map((i) => top[i]! * top[3]! + below[i]! * (1 - top[3]!)).concat(1);
  const luminance = (c: number[]) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const text = rgba(getComputedStyle(el, placeholder ? '::placeholder' : null).color);
  const layers: number[][] = [];
  let opacity = 1;
  let unknown: string | undefined;
  for (let node: PageElement | null = el; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    opacity *= Number(style.opacity);
    if (style.backgroundImage !== 'none') unknown ??= `${node.tagName.toLowerCase()}.${[...node.classList].join('.')} has background-image ${style.backgroundImage.slice(0, 60)}`;
    const colour = rgba(style.backgroundColor);
    if (colour[3] > 0) layers.push(colour);
    if (colour[3] >= 1) break;
  }
  let background = [255, 255, 255, 1];
  for (const layer of layers.reverse()) background = over(layer, background);
  const fg = over([text[0], text[1], text[2], text[3] * opacity], background);
  const [light, dark] = [luminance(fg), luminance(background)].sort((a, b) => b - a);
  const show = (c: number[]) => `rgb(${c.slice(0, 3).map((v) => Math.round(v)).join(', ')})`;
  return { ratio: (light! + 0.05) / (dark! + 0.05), text: show(fg), background: show(background), ...(unknown ? { unknown } : {}) };
}

export async function expectReadable(locator: Locator, what: string, placeholder = false): Promise<void> {
  const c = await locator.evaluate(contrastInPage, placeholder);
  expect(c.unknown, `${what}: text over an image or gradient`).toBeUndefined();
  expect(c.ratio, `${what}: contrast of ${c.text} on ${c.background}`).toBeGreaterThanOrEqual(MIN_CONTRAST);
}
