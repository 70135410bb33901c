import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { assertPortFree } from '../../../infra/local/demo.ts';
import { listenOnLoopback, PortInUseError } from '../../../infra/local/server.ts';

describe('the local server on a busy port', () => {
  it('rejects with PortInUseError naming the port instead of waiting forever', async () => {
    const busy = createServer();
    const port = await listenOnLoopback(busy, 0);
    try {
      const second = createServer();
      const error = await listenOnLoopback(second, port).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as PortInUseError).port).toBe(port);
      expect((error as Error).message).toBe(`port ${port} on 127.0.0.1 is already in use`);
      await expect(assertPortFree(port)).rejects.toThrow(PortInUseError);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  it('listens on any free port when asked for port 0, and finds a freed port free', async () => {
    const server = createServer();
    const port = await listenOnLoopback(server, 0);
    expect(port).toBe((server.address() as AddressInfo).port);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(assertPortFree(port)).resolves.toBeUndefined();
  });
});
