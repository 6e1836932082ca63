import { describe, expect, it } from 'vitest';
import { GlacierMultipartError } from 'glacier-multipart';

describe('package root', () => {
  it('exports the typed error base class', () => {
    const e = new GlacierMultipartError('EXAMPLE', 'what went wrong; what to do');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('GlacierMultipartError');
    expect(e.code).toBe('EXAMPLE');
  });
});
