/**
 * The bearer-token prompt: a modal `<dialog>` (focus stays inside, Escape cancels) instead of
 * `window.prompt`, so the token is typed into a password field and the reason can be shown.
 */

const reasons = {
  required:
    'This service wants a bearer token (it answered 401). Paste a token from your identity provider, or, on a local service, the one npm start printed (dev unless RAG_API_KEYS is set).',
  refused: 'The service refused the token this tab had (401): it may have expired. Paste a new one.',
  manual: 'Paste a bearer token from your identity provider, or, on a local service, the one npm start printed.',
};

/**
 * @param {HTMLDialogElement} dialog
 * @returns {(reason: 'required' | 'refused' | 'manual') => Promise<string | undefined>}
 */
export function tokenPrompt(dialog) {
  const form = /** @type {HTMLFormElement} */ (dialog.querySelector('form'));
  const input = /** @type {HTMLInputElement} */ (dialog.querySelector('input'));
  const reason = /** @type {HTMLElement} */ (dialog.querySelector('[data-reason]'));
  const cancel = /** @type {HTMLButtonElement} */ (dialog.querySelector('[data-cancel]'));
  return (why) =>
    new Promise((resolve) => {
      const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
      reason.textContent = reasons[why];
      input.value = '';
      /** @param {string | undefined} token */
      const finish = (token) => {
        form.removeEventListener('submit', onSubmit);
        cancel.removeEventListener('click', onCancel);
        dialog.removeEventListener('cancel', onCancel);
        if (dialog.open) dialog.close();
        opener?.focus();
        resolve(token);
      };
      /** @param {SubmitEvent} event */
      const onSubmit = (event) => {
        event.preventDefault();
        finish(input.value.trim().replace(/^Bearer\s+/i, '') || undefined);
      };
      /** @param {Event} event */
      const onCancel = (event) => {
        event.preventDefault();
        finish(undefined);
      };
      form.addEventListener('submit', onSubmit);
      cancel.addEventListener('click', onCancel);
      dialog.addEventListener('cancel', onCancel);
      dialog.showModal();
      input.focus();
    });
}
