import { ApiError, formatBytes } from './api.js';
import { element } from './element.js';

/**
 * Uploads and the documents list: `PUT /documents/content/{path}` then `GET /documents/{id}` until the
 * document is INDEXED or FAILED; `GET /documents` page by page (`nextCursor`); delete and re-drive.
 *
 * @typedef {{ documentId: string, key: string, status: string, chunkCount: number, title?: string, bytes?: number,
 *   failure?: { error: string, reason: string }, updatedAt?: string, attempts?: number }} DocumentView
 */

const PAGE_SIZE = 50;
// Ingestion of a small file takes seconds locally; a large PDF on AWS can take minutes.
const WATCH_LIMIT_MS = 10 * 60 * 1000;
// Right after an upload the manifest may not exist yet.
const MANIFEST_GRACE_MS = 30 * 1000;
// A re-drive that changes nothing in this long (e.g. the same failure, recorded before the page looked) is over.
const REDRIVE_QUIET_MS = 10 * 1000;

/** @param {string} status */
function badge(status) {
  return element('span', { className: `badge status-${status.toLowerCase().replace(/\s+/g, '-')}`, text: status });
}

/** @param {string} key */
function fileName(key) {
  return key.split('/').pop() || key;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @param {{ api: import('./api.js').ApiClient, dropZone: HTMLElement, fileInput: HTMLInputElement, uploads: HTMLUListElement,
 *   list: HTMLUListElement, listStatus: HTMLElement, filter: HTMLSelectElement, refresh: HTMLButtonElement, more: HTMLButtonElement,
 *   announce: (message: string) => void }} ui
 */
export function createDocuments(ui) {
  const { api } = ui;
  /** @type {string | undefined} */
  let cursor;
  let generation = 0;
  /** @type {number | undefined} The upload limit a 413 told us: larger files are refused here instead of being sent in vain. */
  let uploadLimit;

  /**
   * Polls one document until `settled` says so; `onUpdate` sees every answer (undefined: not there, 404).
   * @param {string} documentId
   * @param {(doc: DocumentView | undefined) => boolean} settled
   * @param {(doc: DocumentView | undefined) => void} onUpdate
   */
  async function watch(documentId, settled, onUpdate) {
    const started = Date.now();
    let delay = 300;
    for (;;) {
      /** @type {DocumentView | undefined} */
      let doc;
      try {
        doc = await (await api.request(`/documents/${encodeURIComponent(documentId)}`)).json();
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
      onUpdate(doc);
      if (settled(doc)) return doc;
      if (Date.now() - started > WATCH_LIMIT_MS) throw new Error('still not finished after 10 minutes; refresh the list later');
      await sleep(delay);
      delay = Math.min(delay * 1.5, 3000);
    }
  }

  /** @param {DocumentView} doc */
  function documentRow(doc) {
    const row = element('li', { className: 'document', attrs: { 'data-document-id': doc.documentId, 'data-status': doc.status } });
    const name = fileName(doc.key);
    const head = element('div', { className: 'document-head' });
    head.append(element('span', { className: 'document-name', text: doc.title && doc.title !== name ? `${doc.title} (${name})` : name }), badge(doc.status));
    const meta = element('p', { className: 'document-meta' });
    meta.append(
      element('span', { className: 'document-key', text: doc.key }),
      element('span', { className: 'chunk-count', text: `${doc.chunkCount} chunk${doc.chunkCount === 1 ? '' : 's'}` }),
    );
    if (doc.bytes !== undefined) meta.append(element('span', { text: formatBytes(doc.bytes) }));
    if (doc.updatedAt) meta.append(element('span', { text: `updated ${new Date(doc.updatedAt).toLocaleString()}` }));
    row.append(head, meta);
    if (doc.failure) row.append(element('p', { className: 'failure', text: `${doc.failure.error}: ${doc.failure.reason}` }));
    const actions = element('div', { className: 'document-actions' });
    if (doc.status !== 'INDEXED') {
      const redrive = element('button', { className: 'secondary', text: 'Re-drive', attrs: { type: 'button', 'aria-label': `Re-drive ${name}` } });
      redrive.addEventListener('click', () => void redriveDocument(doc, row));
      actions.append(redrive);
    }
    const remove = element('button', { className: 'danger', text: 'Delete', attrs: { type: 'button', 'aria-label': `Delete ${name}` } });
    remove.addEventListener('click', () => void deleteDocument(doc, row));
    actions.append(remove);
    row.append(actions, element('p', { className: 'document-message', attrs: { hidden: '' } }));
    return row;
  }

  /** @param {DocumentView} doc */
  function showDocument(doc) {
    const existing = ui.list.querySelector(`[data-document-id="${CSS.escape(doc.documentId)}"]`);
    const filter = ui.filter.value;
    if (filter && doc.status !== filter) {
      existing?.remove();
      return;
    }
    const row = documentRow(doc);
    if (existing) existing.replaceWith(row);
    else ui.list.prepend(row);
    ui.listStatus.hidden = true;
  }

  /**
   * @param {HTMLElement} row
   * @param {string} text
   * @param {boolean} [isError]
   */
  function rowMessage(row, text, isError = false) {
    const message = /** @type {HTMLElement} */ (row.querySelector('.document-message'));
    message.hidden = false;
    message.textContent = text;
    message.classList.toggle('error', isError);
    if (isError) message.setAttribute('role', 'alert');
  }

  /**
   * @param {HTMLElement} row
   * @param {boolean} disabled
   */
  function setRowBusy(row, disabled) {
    for (const button of row.querySelectorAll('button')) button.disabled = disabled;
  }

  async function loadPage() {
    const mine = generation;
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (ui.filter.value) query.set('status', ui.filter.value);
    if (cursor) query.set('cursor', cursor);
    ui.more.disabled = true;
    try {
      /** @type {{ documents: DocumentView[], nextCursor?: string }} */
      const page = await (await api.request(`/documents?${query}`)).json();
      if (mine !== generation) return;
      ui.list.append(...page.documents.map(documentRow));
      cursor = page.nextCursor;
      ui.more.hidden = !cursor;
      ui.listStatus.hidden = ui.list.children.length > 0 || Boolean(cursor);
      ui.listStatus.classList.remove('error');
      ui.listStatus.removeAttribute('role');
      ui.listStatus.textContent = ui.filter.value ? `No ${ui.filter.value} documents.` : 'No documents yet: upload some above.';
    } catch (error) {
      if (mine !== generation) return;
      ui.listStatus.hidden = false;
      ui.listStatus.classList.add('error');
      ui.listStatus.setAttribute('role', 'alert');
      ui.listStatus.textContent = `Could not load the documents. ${error instanceof ApiError ? error.userMessage : String(error)}`;
    } finally {
      ui.more.disabled = false;
    }
  }

  function reload() {
    generation += 1;
    cursor = undefined;
    ui.list.replaceChildren();
    ui.more.hidden = true;
    return loadPage();
  }

  /** @param {File} file */
  async function uploadFile(file) {
    const item = element('li', { className: 'upload', attrs: { 'data-file': file.name, 'data-status': 'UPLOADING' } });
    let status = badge('UPLOADING');
    const detail = element('span', { className: 'upload-detail', text: formatBytes(file.size) });
    item.append(element('span', { className: 'upload-name', text: file.name }), status, detail);
    ui.uploads.prepend(item);
    /** @param {string} next */
    const setStatus = (next) => {
      item.setAttribute('data-status', next);
      const replacement = badge(next);
      status.replaceWith(replacement);
      status = replacement;
    };
    const path = file.name.split('/').map(encodeURIComponent).join('/');
    try {
      if (uploadLimit !== undefined && file.size > uploadLimit) {
        throw new ApiError({ status: 413, code: 'PayloadTooLargeError', message: `Upload is ${file.size} bytes, above the limit of ${uploadLimit}` });
      }
      /** @type {{ documentId: string }} */
      const accepted = await (
        await api.request(`/documents/content/${path}`, {
          method: 'PUT',
          headers: { 'content-type': file.type || 'application/octet-stream' },
          body: file,
        })
      ).json();
      setStatus('PENDING');
      detail.textContent = 'Indexing…';
      const started = Date.now();
      const doc = await watch(
        accepted.documentId,
        (d) => (d ? d.status === 'INDEXED' || d.status === 'FAILED' : Date.now() - started > MANIFEST_GRACE_MS),
        () => undefined,
      );
      if (!doc) throw new Error('the service has no record of it');
      setStatus(doc.status);
      detail.textContent =
        doc.status === 'INDEXED'
          ? `${doc.chunkCount} chunk${doc.chunkCount === 1 ? '' : 's'}`
          : `${doc.failure?.error ?? 'Failed'}: ${doc.failure?.reason ?? 'no reason given'}`;
      ui.announce(`${file.name}: ${doc.status === 'INDEXED' ? 'indexed' : 'failed'}.`);
      showDocument(doc);
    } catch (error) {
      const limit = error instanceof ApiError && error.status === 413 ? /limit of (\d+)/.exec(error.message)?.[1] : undefined;
      if (limit) uploadLimit = Number(limit);
      setStatus(item.getAttribute('data-status') === 'UPLOADING' ? 'NOT UPLOADED' : 'UNKNOWN');
      detail.textContent =
        error instanceof ApiError ? error.userMessage : `Could not follow its indexing: ${error instanceof Error ? error.message : String(error)}`;
      detail.setAttribute('role', 'alert');
    }
  }

  /**
   * @param {DocumentView} doc
   * @param {HTMLElement} row
   */
  async function deleteDocument(doc, row) {
    const name = fileName(doc.key);
    if (!window.confirm(`Delete “${doc.key}”? It is removed from the documents store and no longer used in answers.`)) return;
    setRowBusy(row, true);
    try {
      await api.request(`/documents/${encodeURIComponent(doc.documentId)}`, { method: 'DELETE' });
      rowMessage(row, 'Deleting…');
      await watch(
        doc.documentId,
        (d) => d === undefined,
        () => undefined,
      );
      row.remove();
      ui.announce(`${name} deleted.`);
      if (ui.list.children.length === 0) ui.listStatus.hidden = false;
    } catch (error) {
      setRowBusy(row, false);
      rowMessage(row, `Could not delete it. ${error instanceof ApiError ? error.userMessage : String(error)}`, true);
    }
  }

  /**
   * @param {DocumentView} doc
   * @param {HTMLElement} row
   */
  async function redriveDocument(doc, row) {
    setRowBusy(row, true);
    try {
      await api.request(`/documents/${encodeURIComponent(doc.documentId)}/redrive`, { method: 'POST' });
      rowMessage(row, 'Re-drive started: indexing again…');
      const started = Date.now();
      // Until the new attempt records itself the manifest still shows the old failure.
      const settledDoc = await watch(
        doc.documentId,
        (d) =>
          !d ||
          d.status === 'INDEXED' ||
          (d.status === 'FAILED' && (d.updatedAt !== doc.updatedAt || d.attempts !== doc.attempts || Date.now() - started > REDRIVE_QUIET_MS)),
        () => undefined,
      );
      if (settledDoc) {
        showDocument(settledDoc);
        ui.announce(`${fileName(doc.key)}: ${settledDoc.status === 'INDEXED' ? 'indexed' : 'failed again'}.`);
      }
    } catch (error) {
      setRowBusy(row, false);
      rowMessage(row, `Could not re-drive it. ${error instanceof ApiError ? error.userMessage : String(error)}`, true);
    }
  }

  /** @param {FileList | File[] | null | undefined} files */
  function uploadAll(files) {
    for (const file of Array.from(files ?? [])) void uploadFile(file);
  }

  ui.fileInput.addEventListener('change', () => {
    uploadAll(ui.fileInput.files);
    ui.fileInput.value = '';
  });
  /** @param {DragEvent} event */
  const hasFiles = (event) => Array.from(event.dataTransfer?.types ?? []).includes('Files');
  for (const type of ['dragenter', 'dragover']) {
    ui.dropZone.addEventListener(type, (event) => {
      if (!hasFiles(/** @type {DragEvent} */ (event))) return;
      event.preventDefault();
      ui.dropZone.classList.add('dragging');
    });
  }
  ui.dropZone.addEventListener('dragleave', (event) => {
    if (!ui.dropZone.contains(/** @type {Node | null} */ (event.relatedTarget))) ui.dropZone.classList.remove('dragging');
  });
  ui.dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    ui.dropZone.classList.remove('dragging');
    uploadAll(event.dataTransfer?.files);
  });
  // A file dropped next to the zone would make the browser open it and leave the page.
  for (const type of ['dragover', 'drop']) {
    window.addEventListener(type, (event) => {
      if (hasFiles(/** @type {DragEvent} */ (event))) event.preventDefault();
    });
  }
  ui.filter.addEventListener('change', () => void reload());
  ui.refresh.addEventListener('click', () => void reload());
  ui.more.addEventListener('click', () => void loadPage());

  return { reload };
}
