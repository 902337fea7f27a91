import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * The machine as it runs this hour, before anything is measured: our sandbox's speed moves 3–5×
 * between days (2026-12-04 against 2026-12-03), and a run's rates mean little without it. The CPU
 * figure is a fixed piece of the work Hearth does most (parsing and serialising event JSON); the
 * disk figure is what each durable commit waits for.
 */
export function checkMachine(directory: string): string {
  const event = JSON.stringify({
    type: 'track',
    event: 'Order Completed',
    userId: 'member-1',
    properties: { order_id: 'o-1', total: 12_800, products: [{ sku: 'milk-1', price: 6_400, quantity: 2 }] },
    context: { traits: { email: 'a@example.com', phone: '+8613800138000' } },
  });
  const started = performance.now();
  for (let index = 0; index < 100_000; index += 1) JSON.stringify(JSON.parse(event));
  const cpuMicroseconds = ((performance.now() - started) / 100_000) * 1000;

  const file = join(directory, 'fsync-check');
  const descriptor = openSync(file, 'w');
  const page = Buffer.alloc(8192, 1);
  const waits: number[] = [];
  try {
    for (let index = 0; index < 200; index += 1) {
      const begun = performance.now();
      writeSync(descriptor, page);
      fdatasyncSync(descriptor);
      waits.push((performance.now() - begun) * 1000);
    }
  } finally {
    closeSync(descriptor);
    rmSync(file, { force: true });
  }
  waits.sort((a, b) => a - b);
  const at = (fraction: number) => Math.round(waits[Math.floor(waits.length * fraction)] ?? 0);
  return (
    `Machine check: ${cpuMicroseconds.toFixed(2)} µs to parse and re-serialise one event's JSON; ` +
    `an 8 KB write + fdatasync p50 ${at(0.5)} µs, p99 ${at(0.99)} µs`
  );
}
