// No lost work. The panel folds instead of closing: the selected points, the area and the
// reference stay on the map and in the address, and "Show chart" unfolds it. "Clear" drops them
// as one history entry, which Undo (or Back) brings back. While "Add points" is on, a click or
// tap on the map adds its point to the chart (touch has no Shift key).
const $ = (id) => document.getElementById(id);

/** ctx: {store, hasWork() (anything selected, drawn or referenced), clear() (drops it all),
 * resized() (the map's box changed)}. */
export function createWork(ctx) {
  const panel = $('panel');
  let adding = false;
  let undoable = null; // the address "Clear" left, while Undo can bring back the one before

  function refresh() {
    const work = ctx.hasWork();
    if (!work && panel.classList.contains('folded')) unfold();
    $('panel-reopen').hidden = !(work && panel.classList.contains('folded'));
    $('work-clear').disabled = !work;
    if (undoable !== null && location.hash !== undoable) hideUndo();
  }

  function fold() {
    if (panel.classList.contains('folded') || !ctx.hasWork()) return false;
    panel.classList.add('folded');
    refresh();
    ctx.resized();
    $('panel-reopen').focus();
    return true;
  }

  function unfold() {
    if (!panel.classList.contains('folded')) return;
    panel.classList.remove('folded');
    $('panel-reopen').hidden = true;
    ctx.resized();
  }

  function describe() {
    const { featureId, analysis: a } = ctx.store.state;
    const points = (featureId === null ? 0 : 1) + a.sel.length;
    const parts = [];
    if (points) parts.push(points === 1 ? '1 point' : `${points} points`);
    if (a.poly) parts.push('the area');
    if (a.prof) parts.push('the profile');
    if (a.ref) parts.push('the reference');
    return parts.join(', ').replace(/, ([^,]*)$/, ' and $1');
  }

  /** `drop()` removed something (`words` name it) and committed it: offer to bring it back. */
  function undoWith(words, drop) {
    drop();
    ctx.store.commit({ entry: 'push' });
    undoable = location.hash;
    $('undo-text').textContent = `Cleared ${words}.`;
    $('undo-note').hidden = false;
    $('undo-button').focus();
  }

  function clear() {
    if (ctx.hasWork()) undoWith(describe(), ctx.clear);
  }

  function hideUndo() {
    undoable = null;
    $('undo-note').hidden = true;
  }

  function undo() {
    if (undoable === null) return;
    hideUndo();
    history.back(); // the entry before "Clear": applied by the page's hashchange
  }

  function setAdding(on) {
    adding = Boolean(on);
    $('add-mode').setAttribute('aria-pressed', String(adding));
    document.body.classList.toggle('adding-points', adding);
  }

  $('panel-reopen').addEventListener('click', () => {
    unfold();
    $('panel-close').focus();
  });
  $('work-clear').addEventListener('click', clear);
  $('undo-button').addEventListener('click', undo);
  $('undo-close').addEventListener('click', hideUndo);
  $('add-mode').addEventListener('click', () => setAdding(!adding));
  ctx.store.subscribe(refresh);

  return {
    fold,
    unfold,
    clear,
    undoWith,
    undo,
    refresh,
    setAdding,
    get adding() {
      return adding;
    },
    get folded() {
      return panel.classList.contains('folded');
    },
  };
}
