import { z } from 'zod';

// The pieces several clouds' config sections (`providers.<name>`) share.

export const endpoint = z.url({ protocol: /^https?$/ }).optional();
export const region = z.string().regex(/^[a-z0-9-]+$/, 'is not a region name');
export const scanTuning = {
  /** Calls in flight per provider and region. */
  concurrency: z.number().int().min(1).max(64).default(4),
};
