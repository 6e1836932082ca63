// Archive descriptions: mt2 (the vector, both ways), mt1, FastGlacier and plain text.
import { describe, expect, it } from 'vitest';
import { DescriptionTooLongError, decodeDescription, encodeDescription } from '../../dist/src/catalog/index.js';

const VECTOR = 'mt2 eyJtdGltZSI6IjIwMTkwMTAxVDAwMDAwMFoiLCJmaWxlbmFtZSI6InBob3Rvcy8yMDE5L8OpdMOpIDAxLmpwZyJ9';

describe('archive descriptions', () => {
  it('encodes the mt2 vector', () => {
    expect(encodeDescription('photos/2019/été 01.jpg', 1546300800)).toBe(VECTOR);
  });

  it('decodes the mt2 vector, and mt2 with keys in the other order', () => {
    expect(decodeDescription(VECTOR, 'ID')).toEqual({ path: 'photos/2019/été 01.jpg', mtime: 1546300800, format: 'mt2' });
    const other = `mt2 ${Buffer.from(JSON.stringify({ filename: 'a/b.txt', mtime: '20200229T235959Z' })).toString('base64url')}`;
    expect(decodeDescription(other, 'ID')).toEqual({ path: 'a/b.txt', mtime: Date.UTC(2020, 1, 29, 23, 59, 59) / 1000, format: 'mt2' });
  });

  it('decodes mt1 (the JSON UTF-8 encoded twice)', () => {
    const json = JSON.stringify({ mtime: '20190101T000000Z', filename: 'photos/2019/été 01.jpg' });
    const twice = Buffer.from(Buffer.from(json, 'utf8').toString('latin1'), 'utf8');
    expect(decodeDescription(`mt1 ${twice.toString('base64url')}`, 'ID')).toEqual({ path: 'photos/2019/été 01.jpg', mtime: 1546300800, format: 'mt1' });
  });

  it("decodes FastGlacier's XML", () => {
    const p = Buffer.from('Docs/über plan.pdf', 'utf8').toString('base64');
    expect(decodeDescription(`<m><v>4</v><p>${p}</p><lm>20190101T000000Z</lm></m>`, 'ID')).toEqual({ path: 'Docs/über plan.pdf', mtime: 1546300800, format: 'fastglacier' });
  });

  it('takes plain text as the path when it looks like one, else the archive id', () => {
    expect(decodeDescription('backups/2019/db.tar.gz', 'ID')).toEqual({ path: 'backups/2019/db.tar.gz', mtime: null, format: 'plain' });
    expect(decodeDescription('/home/me/notes.txt', 'ID').path).toBe('home/me/notes.txt');
    expect(decodeDescription('my weekly backup', 'ID')).toEqual({ path: 'ID', mtime: null, format: 'none' });
    expect(decodeDescription('', 'ID').path).toBe('ID');
    expect(decodeDescription('../../etc/passwd', 'ID').path).toBe('ID');
    expect(decodeDescription('mt2 !!!', 'ID').path).toBe('ID');
  });

  it('refuses a path too long for 1,024 characters, naming the file', () => {
    const long = `${'d/'.repeat(200)}${'x'.repeat(400)}.bin`;
    expect(() => encodeDescription(long, 0)).toThrow(DescriptionTooLongError);
    expect(() => encodeDescription(long, 0)).toThrow(long.slice(-20));
    expect(encodeDescription('x'.repeat(700), 0).length).toBeLessThanOrEqual(1024);
  });
});
