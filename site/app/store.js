// The page's one state and its address. Modules change the state, then `commit()`: the address
// is written (a new history entry when the work changed: the layer, the selected point, the
// chart's points, the reference or the area; the same entry when only the view or the look
// did), then every view that subscribed is told. Back and Forward apply an earlier address.
import { workOf, writeAddress } from './address.js';

/** `state`: the page's state object (main.js); `view()`: the map's {zoom, lat, lon} or null
 * while there is no map; `extra()`: state parts other modules hold ({look, bm}). */
export function createStore(state, { view, extra = () => ({}) }) {
  const listeners = new Set();
  let holding = 0;
  let held = false;
  let recording = false; // the first address of the page is never an entry of its own

  function address() {
    return writeAddress({ ...state, ...extra(), view: view() });
  }

  function write(entry) {
    const hash = address();
    const url = hash || location.pathname + location.search;
    const push = entry === 'push' || (entry === 'auto' && recording && workOf(hash) !== workOf(location.hash));
    if (push) history.pushState(null, '', url);
    else if (hash !== location.hash) history.replaceState(history.state, '', url);
  }

  /** Write the address and tell the views; `entry`: 'auto' | 'push' | 'replace'. */
  function commit({ entry = 'auto' } = {}) {
    if (view() === null) return;
    if (holding) {
      held = true;
      return;
    }
    write(entry);
    for (const listener of listeners) listener(state);
  }

  return {
    state,
    commit,
    address,
    /** Run `change` (which may commit many times) as one change of the current entry. */
    hold(change) {
      holding += 1;
      try {
        return change();
      } finally {
        holding -= 1;
        if (!holding && held) {
          held = false;
          commit({ entry: 'replace' });
        }
      }
    },
    /** From now on a change of the work is a history entry (after the page opened). */
    record() {
      recording = true;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
