// The table of the assets in the map view: one row per asset (id, points passing the quality
// filter / inside, the velocity statistics), sortable by every column (a header click; again:
// the other way), "fastest first" (|mean| descending) by default. A row click or Enter selects
// the asset. Asset ids come from the user's file: text goes in through textContent only.
import { ASSET_STATS, sortRows } from './assetdata.js';
import { signedText } from './areastats.js';

export const MAX_ROWS = 300; // rows drawn; the CSV of the table has them all
export const FASTEST = { column: 'speed', descending: true };
const COLUMNS = [
  { key: 'id', label: 'Asset', title: 'The asset\'s id in the file', first: false },
  { key: 'points', label: 'Points', unit: 'ok/all', title: 'Points that pass the quality filter / all points inside', first: true },
  ...['mean', 'median', 'p05', 'p95', 'diff', 'std'].map((key) => ({ key, label: ASSET_STATS[key].column,
    unit: 'mm/yr', title: ASSET_STATS[key].label, first: !ASSET_STATS[key].signed })),
]; // prettier-ignore

/** The sort in words: "fastest first (|mean| descending)", "P95, ascending". */
export function sortWords(sort) {
  if (sort.column === 'speed') return 'fastest first (|mean| descending)';
  const column = COLUMNS.find((c) => c.key === sort.column);
  return `${column ? column.label : sort.column}, ${sort.descending ? 'descending' : 'ascending'}`;
}

function cell(tag, text, className = '') {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** Bind the table (`head` row, `body`); `onPick(row)` hears a row's choice, `onSort()` a new sort. */
export function createAssetTable({ head, body }, { onPick, onSort }) {
  let sort = { ...FASTEST };
  let rows = [];
  let selected = null;

  function headerCell(column) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.className = column.key === 'id' ? '' : 'num';
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.column = column.key;
    button.title = `${column.title}: sort by it (again: the other way)`;
    button.append(cell('span', column.label));
    if (column.unit) button.append(cell('span', ` (${column.unit})`, 'asset-unit'));
    const active = sort.column === column.key || (sort.column === 'speed' && column.key === 'mean');
    if (active) button.append(cell('span', sort.column === 'speed' ? ' |↓|' : sort.descending ? ' ↓' : ' ↑', 'asset-sort'));
    th.setAttribute('aria-sort', sort.column !== column.key ? 'none' : sort.descending ? 'descending' : 'ascending');
    button.addEventListener('click', () => {
      sort = sort.column === column.key ? { column: column.key, descending: !sort.descending } : { column: column.key, descending: column.first };
      draw();
      onSort();
    }); // prettier-ignore
    th.append(button);
    return th;
  }

  function rowNode(row) {
    const tr = document.createElement('tr');
    tr.tabIndex = 0;
    tr.dataset.asset = String(row.asset);
    if (!row.points_ok) tr.className = 'asset-empty';
    tr.setAttribute('aria-selected', String(row.asset === selected));
    tr.append(cell('th', row.id, 'asset-id'));
    tr.firstChild.scope = 'row';
    tr.append(cell('td', `${row.points_ok}/${row.points}`, 'num'));
    for (const key of ['mean', 'median', 'p05', 'p95', 'diff', 'std']) {
      tr.append(cell('td', signedText(row[key], 2), 'num'));
    }
    tr.addEventListener('click', () => onPick(row));
    tr.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') onPick(row);
    });
    return tr;
  }

  function draw() {
    head.replaceChildren(...COLUMNS.map(headerCell));
    const sorted = sortRows(rows, sort.column, sort.descending);
    body.replaceChildren(...sorted.slice(0, MAX_ROWS).map(rowNode));
    return sorted;
  }

  return {
    /** Show `next` rows; the rows in the order shown (all of them, beyond MAX_ROWS too). */
    show(next) {
      rows = next;
      return draw();
    },
    /** The rows in the order shown. */
    sorted: () => sortRows(rows, sort.column, sort.descending),
    get sort() {
      return { ...sort };
    },
    setSort(next) {
      sort = { ...next };
      draw();
    },
    /** Mark asset `asset` (dense id) as the selected row (null: none). */
    select(asset) {
      selected = asset;
      for (const tr of body.children) tr.setAttribute('aria-selected', String(Number(tr.dataset.asset) === asset));
    },
  };
}
