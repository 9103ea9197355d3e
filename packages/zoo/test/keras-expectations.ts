// What Keras Applications' sources (keras/src/applications/{resnet,densenet,efficientnet}.py, keras-team/keras
// 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60) say the models hold, written out from the sources independently of the
// builders: the layers with weights (the names Keras's `save_weights` writes into the ImageNet .h5 files), and the
// sequence of layer names and classes of one block.

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** ResNet50: `residual_block_v1` × [3, 4, 6, 3]; projection shortcut `_0_*` in the first block of each stack. */
export function resNet50Weighted(): string[] {
  const out = ['conv1_conv', 'conv1_bn'];
  [3, 4, 6, 3].forEach((blocks, s) => {
    for (const b of range(blocks)) {
      const p = `conv${s + 2}_block${b}`;
      if (b === 1) out.push(`${p}_0_conv`, `${p}_0_bn`);
      out.push(...['1_conv', '1_bn', '2_conv', '2_bn', '3_conv', '3_bn'].map((w) => `${p}_${w}`));
    }
  });
  return [...out, 'predictions'];
}

/** ResNet50V2: `residual_block_v2` × [3, 4, 6, 3]; `_0_conv` in the first block; `post_bn`. */
export function resNet50V2Weighted(): string[] {
  const out = ['conv1_conv'];
  [3, 4, 6, 3].forEach((blocks, s) => {
    for (const b of range(blocks)) {
      const p = `conv${s + 2}_block${b}`;
      out.push(`${p}_preact_bn`);
      if (b === 1) out.push(`${p}_0_conv`);
      out.push(...['1_conv', '1_bn', '2_conv', '2_bn', '3_conv'].map((w) => `${p}_${w}`));
    }
  });
  return [...out, 'post_bn', 'predictions'];
}

/** DenseNet121: `conv_block` × [6, 12, 24, 16], transitions pool2–pool4, final `bn`. */
export function denseNet121Weighted(): string[] {
  const out = ['conv1_conv', 'conv1_bn'];
  [6, 12, 24, 16].forEach((blocks, s) => {
    for (const b of range(blocks))
      out.push(...['0_bn', '1_conv', '1_bn', '2_conv'].map((w) => `conv${s + 2}_block${b}_${w}`));
    if (s < 3) out.push(`pool${s + 2}_bn`, `pool${s + 2}_conv`);
  });
  return [...out, 'bn', 'predictions'];
}

/** EfficientNetB0's 16 block names: `block{stage}{a, b, …}_` with repeats [1, 2, 2, 3, 3, 4, 1]. */
export const EFFICIENTNET_B0_BLOCKS = [1, 2, 2, 3, 3, 4, 1].flatMap((n, s) =>
  range(n).map((j) => `block${s + 1}${'abcd'[j - 1]}_`),
);

/** EfficientNetB0: the Normalization's statistics, the stem, each block (no expansion in block1a), the top. */
export function efficientNetB0Weighted(): string[] {
  const out = ['normalization', 'stem_conv', 'stem_bn'];
  for (const p of EFFICIENTNET_B0_BLOCKS) {
    if (p !== 'block1a_') out.push(`${p}expand_conv`, `${p}expand_bn`);
    out.push(...['dwconv', 'bn', 'se_reduce', 'se_expand', 'project_conv', 'project_bn'].map((w) => p + w));
  }
  return [...out, 'top_conv', 'top_bn', 'predictions'];
}
