import * as lrp from '@xai-ts/lrp';
import * as workers from '@xai-ts/workers';
import { describe, expect, it } from 'vitest';
import {
  BackendSetupError,
  CompositeSpecError,
  compositeFromSpec,
  ruleFromSpec,
  selectBackend,
  WorkerPoolError,
} from '../src/index.js';

describe('names kept from earlier versions', () => {
  it('re-exports the composite specs of @xai-ts/lrp and the pool error of @xai-ts/workers', () => {
    expect(compositeFromSpec).toBe(lrp.compositeFromSpec);
    expect(ruleFromSpec).toBe(lrp.ruleFromSpec);
    expect(CompositeSpecError).toBe(lrp.CompositeSpecError);
    expect(WorkerPoolError).toBe(workers.WorkerPoolError);
  });
});

describe('selectBackend in this process', () => {
  it('takes cpu when asked for cpu', async () => {
    expect(await selectBackend({ prefer: ['cpu'] })).toBe('cpu');
  });

  it('says so when none of the preferred backends is installed', async () => {
    await expect(selectBackend({ prefer: ['tensorflow'] })).rejects.toThrow(
      /none of the backends tensorflow could start/,
    );
    await expect(selectBackend({ prefer: ['webgpu' as never] })).rejects.toThrow(BackendSetupError);
  });
});
