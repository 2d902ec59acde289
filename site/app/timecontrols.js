// The map through time's controls: the tools' "Map through time" button, and in the legend the
// date slider with play (colour by the displacement at a date) or the window's two ends (colour
// by the velocity over it). They set the look's `color`, `at` and `win` (address.js) and ask
// for a redraw; epochs.js turns those into the map's colours.
import { DISPLACEMENT, WINDOW_VELOCITY, epochChoice, epochsOf } from './epochs.js';

const PLAY_STEP_MS = 700;
const $ = (id) => document.getElementById(id);

function isTimed(look) {
  return look.color === DISPLACEMENT || look.color === WINDOW_VELOCITY;
}

/** ctx: {look, redraw, currentLayer}. */
export function createTimeControls(ctx) {
  const { look } = ctx;
  let timer = null;

  function epochs() {
    return epochsOf(ctx.currentLayer());
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    $('time-play').setAttribute('aria-pressed', 'false');
    $('time-play').textContent = '\u25B6';
  }

  function setAt(index) {
    const found = epochs();
    if (!found) return;
    look.at = found.dates[Math.max(0, Math.min(index, found.dates.length - 1))];
    ctx.redraw();
  }

  function play() {
    const found = epochs();
    if (!found || timer !== null) return stop();
    let index = epochChoice(found, look).at;
    if (index >= found.dates.length - 1) index = 0; // at the end: from the start again
    setAt(index);
    $('time-play').setAttribute('aria-pressed', 'true');
    $('time-play').textContent = '\u23F8';
    timer = setInterval(() => {
      index += 1;
      setAt(index);
      if (index >= found.dates.length - 1) stop();
    }, PLAY_STEP_MS);
  }

  function setWindow(from, to) {
    const found = epochs();
    if (!found) return;
    look.win = `${found.dates[from]},${found.dates[to]}`;
    ctx.redraw();
  }

  function toggle() {
    stop();
    look.color = isTimed(look) ? 'velocity' : DISPLACEMENT;
    look.vmin = look.vmax = null; // each attribute starts on its own default range
    ctx.redraw();
  }

  function wire() {
    $('time-toggle').addEventListener('click', toggle);
    $('time-play').addEventListener('click', play);
    $('time-slider').addEventListener('input', () => {
      stop();
      setAt(Number($('time-slider').value));
    });
    const onWindow = () => {
      const [from, to] = [Number($('window-from').value), Number($('window-to').value)];
      setWindow(Math.min(from, to), Math.max(from, to));
    };
    $('window-from').addEventListener('change', onWindow);
    $('window-to').addEventListener('change', onWindow);
  }

  /** Show the controls `layer` and the resolved look call for (layers.resolveLook). */
  function sync(layer, resolved) {
    const found = epochsOf(layer);
    const toggleButton = $('time-toggle');
    toggleButton.hidden = !found;
    const timed = Boolean(found && resolved.epochs);
    toggleButton.setAttribute('aria-pressed', String(timed));
    const displacement = timed && resolved.attribute === DISPLACEMENT;
    const windowed = timed && resolved.attribute === WINDOW_VELOCITY;
    $('legend-time').hidden = !displacement;
    $('legend-window').hidden = !windowed;
    if (!displacement) stop();
    if (!timed) return;
    const last = String(found.dates.length - 1);
    for (const id of ['time-slider', 'window-from', 'window-to']) $(id).max = last;
    const { at, from, to } = resolved.epochs;
    $('time-slider').value = String(at);
    $('time-slider').setAttribute('aria-valuetext', found.dates[at]);
    $('time-date').textContent = found.dates[at];
    $('window-from').value = String(from);
    $('window-from').setAttribute('aria-valuetext', found.dates[from]);
    $('window-to').value = String(to);
    $('window-to').setAttribute('aria-valuetext', found.dates[to]);
  }

  return { wire, sync, stop };
}
