import mammoth from 'mammoth';
import { UnsupportedDocumentError } from '../../errors';
import { checkArchiveLimits } from '../archive-limits';
import type { FormatExtractor } from './document-types';
import { buildFromHtml } from './html';

/** Images are not text: replace them with nothing instead of inlining megabytes of base64. */
const dropImages = mammoth.images.imgElement(async () => ({ src: '' }));

function shortReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.slice(0, 160) ?? 'unknown error';
}

/**
 * DOCX via mammoth's HTML output, so Word heading styles become sections. A DOCX is a ZIP that mammoth
 * inflates whole into memory: its sizes are checked first (issue 15: a 204 KB zip bomb took 1.9 GB).
 */
export const extractDocx: FormatExtractor = async (input) => {
  const { bytes, contentType } = input;
  await checkArchiveLimits(bytes, 'DOCX', input);
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: bytes }, { convertImage: dropImages, externalFileAccess: false })).value;
  } catch (error) {
    throw new UnsupportedDocumentError(`DOCX could not be read: ${shortReason(error)}`, { cause: error });
  }
  return buildFromHtml(html, contentType, input);
};
