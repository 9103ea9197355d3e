// Sample images and their crops, drawn on canvases once the data URL has decoded. Decoding is asynchronous, so the
// page counts what it still has to draw and marks <body data-images="done"> when nothing is pending.
import type { AtlasData } from '../data.js';
import { h } from './dom.js';

type Sample = AtlasData['samples'][number];
type Box = [number, number, number, number];

const decoded = new Map<number, Promise<HTMLImageElement>>();
let pending = 0;

function image(sample: Sample): Promise<HTMLImageElement> {
  let got = decoded.get(sample.index);
  if (!got) {
    const img = new Image();
    img.src = sample.image;
    got = img.decode().then(() => img);
    decoded.set(sample.index, got);
  }
  return got;
}

function later(canvas: HTMLCanvasElement, sample: Sample, draw: (img: HTMLImageElement) => void): void {
  pending++;
  document.body.dataset.images = 'pending';
  image(sample)
    .then(draw, () => canvas.classList.add('broken'))
    .finally(() => {
      if (--pending === 0) document.body.dataset.images = 'done';
    });
}

/** The box clipped to the image; the whole image when nothing of it is left. */
function clip(box: Box, width: number, height: number): Box {
  const y0 = Math.max(0, Math.floor(box[0]));
  const x0 = Math.max(0, Math.floor(box[1]));
  const y1 = Math.min(height, Math.ceil(box[2]));
  const x1 = Math.min(width, Math.ceil(box[3]));
  return y0 < y1 && x0 < x1 ? [y0, x0, y1, x1] : [0, 0, height, width];
}

/** The part of the sample inside `box`, pixel for pixel (CSS scales it up without smoothing). */
export function crop(sample: Sample, box: Box, label: string): HTMLCanvasElement {
  const canvas = h('canvas', { class: 'crop', role: 'img', 'aria-label': label, width: 1, height: 1 });
  later(canvas, sample, (img) => {
    const [y0, x0, y1, x1] = clip(box, img.naturalWidth, img.naturalHeight);
    canvas.width = x1 - x0;
    canvas.height = y1 - y0;
    const ctx = canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, x0, y0, x1 - x0, y1 - y0, 0, 0, x1 - x0, y1 - y0);
  });
  return canvas;
}

/** The whole sample with the box outlined, drawn at an integer scale so the outline stays thin. */
export function framed(sample: Sample, box: Box, label: string): HTMLCanvasElement {
  const canvas = h('canvas', { class: 'framed', role: 'img', 'aria-label': label, width: 1, height: 1 });
  later(canvas, sample, (img) => {
    const w = img.naturalWidth;
    const ht = img.naturalHeight;
    const scale = Math.max(1, Math.round(160 / Math.max(w, ht)));
    canvas.width = w * scale;
    canvas.height = ht * scale;
    const ctx = canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    const [y0, x0, y1, x1] = clip(box, w, ht);
    const line = Math.max(1, Math.round(scale / 2));
    ctx.lineWidth = line;
    ctx.strokeStyle = '#ffd400';
    ctx.strokeRect(
      x0 * scale + line / 2,
      y0 * scale + line / 2,
      (x1 - x0) * scale - line,
      (y1 - y0) * scale - line,
    );
  });
  return canvas;
}
