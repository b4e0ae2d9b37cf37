import { ApiClient } from './api.js';
import config from './config.js';
import { createConversation } from './conversation.js';
import { createDocuments } from './documents.js';
import { tokenPrompt } from './token-dialog.js';
import { createUsagePanel } from './usage.js';

/** Wires the page: one API client (one token prompt), the conversation, the documents, the usage panel. */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The page has no #${id}`);
  return /** @type {T} */ (node);
}

const liveRegion = byId('announcer');
/** Says something to screen readers once (the visible text is elsewhere). */
const announce = (/** @type {string} */ message) => {
  liveRegion.textContent = '';
  // A new text node after a tick is announced even when the message repeats.
  setTimeout(() => {
    liveRegion.textContent = message;
  }, 50);
};

const tokenButton = /** @type {HTMLButtonElement} */ (byId('token-button'));
const forgetButton = /** @type {HTMLButtonElement} */ (byId('forget-token'));
const showTokenState = () => {
  forgetButton.hidden = !api.token;
  tokenButton.textContent = api.token ? 'Change bearer token' : 'Bearer token';
};

const askForToken = tokenPrompt(byId('token-dialog'));
const api = new ApiClient({
  baseUrl: config.apiBaseUrl ?? '',
  queryStreamUrl: config.queryStreamUrl,
  storage: sessionStorage,
  promptForToken: askForToken,
  onTokenChange: showTokenState,
});
tokenButton.addEventListener('click', async () => {
  const token = await askForToken('manual');
  if (token) {
    api.setToken(token);
    announce('Token saved for this tab.');
    void documents.reload();
    void usage.reload();
  }
});
forgetButton.addEventListener('click', () => {
  api.setToken(undefined);
  announce('Token forgotten.');
  tokenButton.focus();
});

createConversation({
  api,
  form: byId('ask-form'),
  question: byId('question'),
  ask: byId('ask'),
  stop: byId('stop'),
  newConversation: byId('new-conversation'),
  turns: byId('turns'),
  empty: byId('conversation-empty'),
  announce,
});

const documents = createDocuments({
  api,
  dropZone: byId('drop-zone'),
  fileInput: byId('file-input'),
  uploads: byId('uploads'),
  list: byId('document-list'),
  listStatus: byId('document-list-status'),
  filter: byId('status-filter'),
  refresh: byId('refresh-documents'),
  more: byId('more-documents'),
  announce,
});

const usage = createUsagePanel({
  api,
  toggle: byId('usage-toggle'),
  refresh: byId('refresh-usage'),
  body: byId('usage-body'),
  status: byId('usage-status'),
  figures: byId('usage-figures'),
  latency: byId('usage-latency'),
  announce,
});

showTokenState();
void documents.reload();
document.body.classList.add('ready');
