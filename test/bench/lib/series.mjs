// Interleaved measurement: call i of every contender runs back to back, the order rotating
// with i, so a burst of machine noise (another process, a journal flush) hits all of them alike
// instead of one contender's whole series.
//
// Timed calls block (spawnSync: nothing of ours runs while a plugin runs), so between calls the
// loop yields once to the event loop: that is where a Ctrl-C gets handled (lib/tmp.mjs).

export const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs fn(contender, i) for i in [0, n) over every contender, interleaved; fn may be async.
 * Resolves to one array of fn's results per contender, in the contenders' order.
 */
export async function interleave(contenders, n, fn) {
  const out = contenders.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const idx = (i + k) % contenders.length;
      out[idx].push(await fn(contenders[idx], i));
      await yieldToLoop();
    }
  }
  return out;
}
