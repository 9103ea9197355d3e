// A drawing pad: freehand strokes with the pointer on a soft gradient (the demo images have textured backgrounds),
// read back as a [1, 32, 32, 3] tensor in [0, 1], the demo model's input.
import * as tf from '@tensorflow/tfjs';

export interface DrawingPad {
  clear(): void;
  /** The drawing, downscaled to size×size. */
  toTensor(size: number): tf.Tensor4D;
}

export function drawingPad(
  canvas: HTMLCanvasElement,
  colour: () => string,
  brush: () => number,
  onStroke: () => void,
): DrawingPad {
  const ctx = canvas.getContext('2d')!;
  const clear = () => {
    const g = ctx.createLinearGradient(0, 0, canvas.width, canvas.height);
    g.addColorStop(0, '#6f8f62');
    g.addColorStop(1, '#9a8c5a');
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();

  let last: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [
      ((e.clientX - r.left) * canvas.width) / r.width,
      ((e.clientY - r.top) * canvas.height) / r.height,
    ];
  };
  const line = (from: [number, number], to: [number, number]) => {
    ctx.strokeStyle = colour();
    ctx.lineWidth = brush();
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...from);
    ctx.lineTo(...to);
    ctx.stroke();
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    line(last, last);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    line(last, p);
    last = p;
  });
  const end = () => {
    if (last) onStroke();
    last = null;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  return {
    clear,
    toTensor(size) {
      const small = document.createElement('canvas');
      small.width = size;
      small.height = size;
      const sctx = small.getContext('2d')!;
      sctx.imageSmoothingEnabled = true;
      sctx.imageSmoothingQuality = 'high';
      sctx.drawImage(canvas, 0, 0, size, size);
      return tf.tidy(() => tf.browser.fromPixels(small).toFloat().div(255).expandDims(0) as tf.Tensor4D);
    },
  };
}
