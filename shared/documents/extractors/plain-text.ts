import type { FormatExtractor } from './document-types';
import { TextBuilder } from './text-builder';
import { decodeText } from './text-decoding';

/** Plain text: decoded and normalised; paragraphs stay as they are. */
export const extractPlainText: FormatExtractor = async ({ bytes, contentType }) => {
  const builder = new TextBuilder();
  builder.addBlock(decodeText(bytes, 'Text'));
  return builder.build(contentType);
};
