import { assertDocumentKey, isIgnoredKey, keyTooLongReason, noTenantReason, rejectedKeyReason, tenantOfKey } from '../../../../shared/pipeline/document-keys';
import { ValidationError } from '../../../../shared/errors';
import { failureReason } from '../../../../shared/pipeline/ingest';
import { ingestionExecutionName } from '../../../../shared/workflows/execution-name';

describe('document keys', () => {
  it('takes the tenant from the first path segment; a key at the root or under a folder that is no tenant name has none, with a reason', () => {
    expect(tenantOfKey('acme/handbook/intro.md')).toBe('acme');
    expect(noTenantReason('acme/handbook/intro.md')).toBeUndefined();
    for (const key of ['intro.md', '/intro.md']) {
      expect(tenantOfKey(key)).toBeUndefined();
      expect(noTenantReason(key)).toMatch(/at the root/);
    }
    for (const key of ['Not A Tenant/x.md', 'ACME/x.md', 'Other/default/x.md']) {
      expect(tenantOfKey(key)).toBeUndefined();
      expect(noTenantReason(key)).toMatch(/not a tenant name/);
    }
  });

  it('ignores hidden, temporary and sidecar files', () => {
    expect(isIgnoredKey('acme/.DS_Store')).toBe(true);
    expect(isIgnoredKey('acme/~$report.docx')).toBe(true);
    expect(isIgnoredKey('acme/report.docx.metadata.json')).toBe(true);
    expect(isIgnoredKey('acme/report.docx')).toBe(false);
  });

  it('refuses keys outside the tenant or with path traversal', () => {
    expect(() => assertDocumentKey('acme', 'other/x.md', 1024)).toThrow(ValidationError);
    expect(() => assertDocumentKey('acme', 'acme/../other/x.md', 1024)).toThrow(ValidationError);
    // The default tenant does not own the root any more.
    expect(() => assertDocumentKey('default', 'x.md', 1024)).toThrow(ValidationError);
    expect(assertDocumentKey('acme', 'acme/x.md', 1024)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('counts a key in UTF-8 bytes against RAG_MAX_KEY_BYTES: a 400 naming the limit on upload, a reason for a folder file', () => {
    // 'acme/' (5 bytes) + 10 × 'é' (2 bytes each) + '.md' (3 bytes) = 28 bytes in 18 characters.
    const key = `acme/${'é'.repeat(10)}.md`;

    const atLimit = assertDocumentKey('acme', key, 28);
    const over = (): string => assertDocumentKey('acme', key, 27);

    expect(atLimit).toMatch(/^[0-9a-f]{32}$/);
    expect(over).toThrow(ValidationError);
    expect(over).toThrow(
      expect.objectContaining({ status: 400, issues: [expect.objectContaining({ message: expect.stringContaining('RAG_MAX_KEY_BYTES') })] }),
    );
    expect(keyTooLongReason(key, 28)).toBeUndefined();
    expect(keyTooLongReason(key, 27)).toContain('28 bytes of UTF-8, above the limit of 27 (RAG_MAX_KEY_BYTES)');
    expect(rejectedKeyReason(key, 27)).toContain('RAG_MAX_KEY_BYTES');
    expect(rejectedKeyReason('ACME/x.md', 27)).toContain('not a tenant name');
    expect(rejectedKeyReason(key, 28)).toBeUndefined();
  });
});

describe('failureReason', () => {
  it('reads the Lambda error JSON Step Functions puts in Cause', () => {
    const cause = JSON.stringify({ errorType: 'UnsupportedDocumentError', errorMessage: 'PDF could not be parsed', trace: ['at x'] });
    expect(failureReason({ Error: 'UnsupportedDocumentError', Cause: cause })).toEqual({
      error: 'UnsupportedDocumentError',
      reason: 'PDF could not be parsed',
    });
  });

  it('keeps a plain-text cause and never returns an empty reason', () => {
    expect(failureReason({ Error: 'X', Cause: 'boom' })).toEqual({ error: 'X', reason: 'boom' });
    expect(failureReason(undefined)).toEqual({ error: 'UnknownError', reason: 'UnknownError' });
  });
});

describe('ingestionExecutionName', () => {
  const request = { tenant: 'acme', key: 'acme/a.md', action: 'upsert' as const, etag: 'e1', reason: 'event' as const };

  it('is the same for duplicate events and different for a new object version', () => {
    expect(ingestionExecutionName(request)).toBe(ingestionExecutionName({ ...request, reason: 'reindex' }));
    expect(ingestionExecutionName(request)).not.toBe(ingestionExecutionName({ ...request, etag: 'e2' }));
    expect(ingestionExecutionName(request)).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it('gives a re-drive its own name so a failed version can run again', () => {
    expect(ingestionExecutionName({ ...request, reason: 'redrive' }, () => 1)).not.toBe(ingestionExecutionName(request));
  });
});
