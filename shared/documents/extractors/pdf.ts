import * as nodeModule from 'node:module';
import * as path from 'node:path';
import { definePDFJSModule, getDocumentProxy, resolvePDFJSImport } from 'unpdf';
import { UnsupportedDocumentError } from '../../errors';
import type { FormatExtractor } from './document-types';
import { TextBuilder } from './text-builder';

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

let pdfjsReady: Promise<void> | undefined;

/**
 * unpdf's CommonJS build loads its PDF.js bundle (ESM only) with a dynamic `import()`. That works
 * under Node and tsx, but jest runs modules in a vm sandbox where dynamic import needs
 * --experimental-vm-modules. Fallback: load the bundle through Node's own module loader, whose
 * require() accepts ES modules since Node 22.12.
 */
function loadPdfjsWithHostLoader(): unknown {
  const host = (nodeModule as unknown as { Module?: { _load?: (request: string, parent: unknown, isMain: boolean) => unknown } }).Module;
  if (typeof host?._load !== 'function') throw new Error('Node module loader not available');
  const bundle = path.join(path.dirname(require.resolve('unpdf')), 'pdfjs.mjs');
  return host._load(bundle, null, false);
}

async function ensurePdfjs(): Promise<void> {
  pdfjsReady ??= (async () => {
    try {
      await resolvePDFJSImport();
    } catch {
      await definePDFJSModule(async () => loadPdfjsWithHostLoader());
    }
  })().catch((error: unknown) => {
    pdfjsReady = undefined;
    throw error;
  });
  return pdfjsReady;
}

function shortReason(error: unknown): string {
  const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
  return (message.split('\n')[0] ?? '').replace(/\.$/, '').slice(0, 160).toLowerCase() || 'unknown error';
}

/** The end-of-file marker ends the file's last line; padding or junk after it is common, so the last 1 KB is searched. */
const EOF_WINDOW = 1024;

/**
 * Why PDF.js could not open the file, in words for the person who uploaded it. PDF.js names its errors
 * (PasswordException, InvalidPDFException); its messages ("No password given") are meant for developers.
 * An encrypted PDF with an empty user password (restrictions only) opens without one and is read as usual.
 */
export function openFailureReason(error: unknown, bytes: Buffer): string {
  // Read by shape, not instanceof: PDF.js may live in another realm (jest loads it through Node's own loader).
  const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined;
  if (name === 'PasswordException') return 'PDF is encrypted (password-protected); it cannot be read without its password';
  if (name === 'InvalidPDFException') {
    // Objects but no end marker: the start of a real PDF whose end is missing.
    const truncated = bytes.includes(' obj') && !bytes.subarray(-EOF_WINDOW).includes('%%EOF');
    return truncated
      ? 'PDF could not be parsed: the file is incomplete (it ends before its end-of-file marker, as a cut-short download or copy does)'
      : 'PDF could not be parsed: the file is damaged (its structure is not valid PDF)';
  }
  return `PDF could not be parsed: ${shortReason(error)}`;
}

async function pageText(pdf: PdfDocument, pageNumber: number): Promise<string> {
  const page = await pdf.getPage(pageNumber);
  const content = await page.getTextContent();
  let text = '';
  for (const item of content.items) {
    if (!('str' in item)) continue;
    text += item.str;
    if (item.hasEOL) text += '\n';
  }
  return text;
}

async function metadataTitle(pdf: PdfDocument): Promise<string | undefined> {
  try {
    const { info } = await pdf.getMetadata();
    const title = (info as Record<string, unknown> | undefined)?.Title;
    return typeof title === 'string' ? title : undefined;
  } catch {
    // Broken metadata must not fail a readable document.
    return undefined;
  }
}

/** PDF via unpdf (serverless PDF.js): one text block per page, page ranges recorded. */
export const extractPdf: FormatExtractor = async (input) => {
  const { bytes, contentType, maxPages } = input;
  await ensurePdfjs();
  let pdf: PdfDocument;
  try {
    // verbosity 0: PDF.js warnings about fonts would otherwise go to the console.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, stopAtErrors: false });
  } catch (error) {
    throw new UnsupportedDocumentError(openFailureReason(error, bytes), { cause: error });
  }
  try {
    if (pdf.numPages > maxPages) {
      throw new UnsupportedDocumentError(`PDF has ${pdf.numPages} pages, above the limit of ${maxPages}`);
    }
    const builder = new TextBuilder(input);
    for (let pageNumber = 1; pageNumber <= pdf.numPages; pageNumber += 1) {
      let text: string;
      try {
        text = await pageText(pdf, pageNumber);
      } catch (error) {
        throw new UnsupportedDocumentError(`PDF page ${pageNumber} could not be read: ${shortReason(error)}`, { cause: error });
      }
      builder.addPage(text);
    }
    return builder.build(contentType, await metadataTitle(pdf));
  } finally {
    await pdf.destroy();
  }
};
