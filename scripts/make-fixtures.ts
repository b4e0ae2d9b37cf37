/**
 * Generates the binary documents (PDF, DOCX) of the sample corpus (local/samples) and of the
 * extraction test fixtures (tests/fixtures/documents). Output is deterministic: fixed dates,
 * no random ids, so re-running it leaves the files byte-identical.
 *
 *   npx tsx scripts/make-fixtures.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import JSZip from 'jszip';
import { type PDFFont, PDFDocument, StandardFonts } from 'pdf-lib';

const FIXED_DATE = new Date('2024-01-01T00:00:00Z');
const ROOT = path.resolve(__dirname, '..');
const SAMPLES = path.join(ROOT, 'local/samples');
const FIXTURES = path.join(ROOT, 'tests/fixtures/documents');

interface PdfPage {
  heading: string;
  paragraphs: string[];
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (font.widthOfTextAtSize(candidate, size) > width && line !== '') {
      lines.push(line);
      line = word;
    } else line = candidate;
  }
  if (line !== '') lines.push(line);
  return lines;
}

async function makePdf(title: string | undefined, pages: PdfPage[]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  if (title) pdf.setTitle(title);
  pdf.setProducer('make-fixtures');
  pdf.setCreator('make-fixtures');
  pdf.setCreationDate(FIXED_DATE);
  pdf.setModificationDate(FIXED_DATE);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  for (const content of pages) {
    const page = pdf.addPage([595, 842]);
    let y = 780;
    page.drawText(content.heading, { x: 56, y, size: 16, font: bold });
    y -= 32;
    for (const paragraph of content.paragraphs) {
      for (const line of wrap(paragraph, regular, 11, 480)) {
        page.drawText(line, { x: 56, y, size: 11, font: regular });
        y -= 16;
      }
      y -= 10;
    }
  }
  return pdf.save({ useObjectStreams: false });
}

type DocxBlock = { heading: 1 | 2; text: string } | { text: string };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The smallest DOCX that Word and mammoth accept, with real heading styles. */
async function makeDocx(title: string, blocks: DocxBlock[]): Promise<Buffer> {
  const paragraphs = blocks
    .map((block) => {
      const style = 'heading' in block ? `<w:pPr><w:pStyle w:val="Heading${block.heading}"/></w:pPr>` : '';
      return `<w:p>${style}<w:r><w:t xml:space="preserve">${escapeXml(block.text)}</w:t></w:r></w:p>`;
    })
    .join('');
  const files: Record<string, string> = {
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
    'word/_rels/document.xml.rels':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
    'word/styles.xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/></w:style></w:styles>',
    'word/document.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs}</w:body></w:document>`,
    'docProps/core.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${escapeXml(title)}</dc:title></cp:coreProperties>`,
  };
  const zip = new JSZip();
  for (const [name, content] of Object.entries(files)) zip.file(name, content, { date: FIXED_DATE, createFolders: false });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

async function makeZipWithoutDocx(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('notes.txt', 'This archive is a plain zip file, not a Word document.', { date: FIXED_DATE, createFolders: false });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

function write(directory: string, name: string, bytes: Uint8Array | Buffer): void {
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, name), bytes);
  console.log(`wrote ${path.relative(ROOT, path.join(directory, name))} (${bytes.length} bytes)`);
}

async function makeSamples(): Promise<void> {
  write(
    SAMPLES,
    'product-faq.pdf',
    await makePdf('Northwind R2 Product FAQ', [
      {
        heading: 'Northwind R2 Product FAQ',
        paragraphs: [
          'The Northwind R2 is an autonomous mobile robot that moves totes and cartons between storage aisles and packing stations in mid-sized warehouses.',
          'How long does the battery last? A fully charged R2 battery lasts 14 hours of continuous operation, which covers a standard two-shift day.',
          'How long does charging take? The R2 docks itself when the battery drops below 20 percent, and a full charge on the Northwind DockPad takes 90 minutes.',
        ],
      },
      {
        heading: 'Payload, navigation and warranty',
        paragraphs: [
          'What can the R2 carry? The maximum payload of the R2 is 180 kg, spread over its top deck of 80 by 60 centimetres.',
          'How does the R2 find its way? It navigates with lidar and floor fiducial markers, so no magnetic tape is needed on the warehouse floor.',
          'What warranty comes with the R2? Every R2 ships with a 3-year limited warranty that covers the drive train, the battery pack and the sensors.',
        ],
      },
    ]),
  );
  write(
    SAMPLES,
    'security-policy.docx',
    await makeDocx('Northwind Robotics Information Security Policy', [
      { heading: 1, text: 'Information Security Policy' },
      { text: 'This policy applies to every Northwind Robotics employee, contractor and intern who uses company systems.' },
      { heading: 2, text: 'Passwords and sign-in' },
      { text: 'Passwords for company accounts must be at least 16 characters long and must not be reused on any other service.' },
      { text: 'Multi-factor authentication with a hardware security key is required for email, source code hosting and the cloud console.' },
      { heading: 2, text: 'Devices' },
      { text: 'Company laptops use full-disk encryption and lock the screen automatically after 10 minutes without activity.' },
      { heading: 2, text: 'Reporting incidents' },
      { text: 'Report a suspected phishing email by forwarding it to phish-report@northwind-robotics.example within one business day.' },
      { text: 'API keys for production systems are rotated every 90 days; access to production is reviewed every quarter.' },
    ]),
  );
}

async function makeFixtures(): Promise<void> {
  write(
    FIXTURES,
    'ferry-timetable.pdf',
    await makePdf('Harbor Ferry Timetable', [
      {
        heading: 'Harbor Ferry Timetable',
        paragraphs: [
          'The Gull Island ferry leaves Pier 4 every day of the year. The first departure from Pier 4 is at 06:15 and the last return from Gull Island is at 22:40.',
          'Crossings take 25 minutes in calm weather.',
        ],
      },
      {
        heading: 'Fares',
        paragraphs: ['An adult return ticket costs 9 euros. Taking a bicycle on board costs 3 euros each way, and dogs travel free.'],
      },
    ]),
  );
  write(FIXTURES, 'empty-page.pdf', await makePdf(undefined, [{ heading: ' ', paragraphs: [] }]));
  write(
    FIXTURES,
    'community-garden.docx',
    await makeDocx('Community Garden Handbook', [
      { heading: 1, text: 'Community Garden Handbook' },
      { text: 'Welcome to the Willow Park community garden, run by volunteers since 2009.' },
      { heading: 2, text: 'Plot rental' },
      { text: 'A raised-bed plot rents for 40 dollars per season, and the season runs from April to October.' },
      { heading: 2, text: 'Watering' },
      { text: 'The rain barrels behind the tool shed hold 600 litres; use them before the mains tap.' },
    ]),
  );
  write(FIXTURES, 'not-a-document.docx', await makeZipWithoutDocx());
}

async function main(): Promise<void> {
  await makeSamples();
  await makeFixtures();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
