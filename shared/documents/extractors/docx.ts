import mammoth from 'mammoth';
import { UnsupportedDocumentError } from '../../errors';
import type { FormatExtractor } from './document-types';
import { buildFromHtml } from './html';

/** Images are not text: replace them with nothing instead of inlining megabytes of base64. */
const dropImages = mammoth.images.imgElement(async () => ({ src: '' }));

function shortReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.slice(0, 160) ?? 'unknown error';
}

/** DOCX via mammoth's HTML output, so Word heading styles become sections. */
export const extractDocx: FormatExtractor = async ({ bytes, contentType }) => {
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: bytes }, { convertImage: dropImages, externalFileAccess: false })).value;
  } catch (error) {
    throw new UnsupportedDocumentError(`DOCX could not be read: ${shortReason(error)}`, { cause: error });
  }
  return buildFromHtml(html, contentType);
};
