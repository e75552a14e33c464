import fc from "fast-check";
import { assert, assertEquals } from "../../../tests/assert.ts";
import { backoffDelayMs, parseRetryAfter } from "./index_client.ts";

Deno.test("parseRetryAfter() reads delay seconds and HTTP dates", () => {
  const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");
  assertEquals(parseRetryAfter("120", now), 120_000);
  assertEquals(parseRetryAfter(" 0 ", now), 0);
  assertEquals(parseRetryAfter("Wed, 21 Oct 2026 07:28:30 GMT", now), 30_000);
  assertEquals(parseRetryAfter("Wed, 21 Oct 2026 07:00:00 GMT", now), 0); // past → now
  assertEquals(parseRetryAfter(null, now), undefined);
  assertEquals(parseRetryAfter("soon", now), undefined);
  assertEquals(parseRetryAfter("-5", now), undefined);
});

Deno.test("backoffDelayMs() doubles from the base, caps, and jitters by ±25 %", () => {
  assertEquals(backoffDelayMs(1, 250, 30_000, () => 0.5), 250);
  assertEquals(backoffDelayMs(3, 250, 30_000, () => 0.5), 1000);
  assertEquals(backoffDelayMs(20, 250, 30_000, () => 0.5), 30_000);
  assertEquals(backoffDelayMs(1, 100, 30_000, () => 0), 75);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 30 }),
      fc.double({ min: 0, max: 0.9999999, noNaN: true }),
      (n, r) => {
        const nominal = Math.min(30_000, 250 * 2 ** (n - 1));
        const d = backoffDelayMs(n, 250, 30_000, () => r);
        assert(d >= nominal * 0.75 && d <= nominal * 1.25, `${n} ${r} → ${d}`);
      },
    ),
  );
});
