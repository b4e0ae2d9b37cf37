import type { FormatExtractor } from './document-types';
import { TextBuilder } from './text-builder';
import { decodeText } from './text-decoding';

/** Plain text: decoded and normalised; paragraphs stay as they are. */
export const extractPlainText: FormatExtractor = async (input) => {
  const builder = new TextBuilder(input);
  builder.addBlock(decodeText(input.bytes, 'plain text'));
  return builder.build(input.contentType);
};
