// Grad mode: whether ops record onto the tape. fg.noGrad(fn) runs fn with recording off (as torch.no_grad).
let enabled = true;

/** Whether ops record tape nodes now (false inside fg.noGrad). */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Turns recording on or off (torch.set_grad_enabled); returns the previous setting. */
export function setGradEnabled(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new TypeError(`Expected a boolean for on but received ${typeof on}`);
  const prev = enabled;
  enabled = on;
  return prev;
}

/**
 * Runs fn with the tape off and returns its result (torch.no_grad): results of ops inside do not
 * require grad. Synchronous: recording is restored when fn returns (the part of an async fn after its
 * first await runs with recording restored).
 */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`Expected a function for fn but received ${typeof fn}`);
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs fn with the tape on (torch.enable_grad), e.g. inside fg.noGrad. */
export function enableGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
