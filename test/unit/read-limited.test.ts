/**
 * The counting reader behind every request body (functions/http.ts): it stops pulling a body stream
 * at the first chunk past the limit, so an oversized chunked body is never held whole.
 */
import { ReadableStream } from 'node:stream/web';
import { readLimited } from '../../functions/http';

/** A 1 MB body in 1 KB chunks that counts how many bytes the reader pulled, and whether it was cancelled. */
function countingBody(totalBytes: number, chunkBytes: number) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (seen.pulled >= totalBytes) return controller.close();
        seen.pulled += chunkBytes;
        controller.enqueue(new Uint8Array(chunkBytes).fill(0x61));
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

describe('readLimited', () => {
  it('gives up on a 1 MB body after the first chunk past 16 KB, and cancels the stream', async () => {
    const { stream, seen } = countingBody(1024 * 1024, 1024);
    expect(await readLimited(stream, 16 * 1024)).toBeUndefined();
    expect(seen.pulled).toBe(17 * 1024);
    expect(seen.cancelled).toBe(true);
  });

  it('returns a body at the limit whole', async () => {
    const { stream, seen } = countingBody(16 * 1024, 1024);
    const body = await readLimited(stream, 16 * 1024);
    expect(body?.byteLength).toBe(16 * 1024);
    expect(seen.cancelled).toBe(false);
  });

  it('reads no body as empty', async () => {
    expect((await readLimited(null, 10))?.byteLength).toBe(0);
  });
});
