// Serverless variable source for serverless.yml: each ASL file as a JSON string for DefinitionString.
// Why not `Definition: ${file(./statemachines/x.asl.json)}`: the framework drops null-valued keys from
// resolved objects, and `"ResultPath": null` is meaningful ASL (discard the result). A string keeps the
// definition exactly as the local interpreter runs it; its ${Placeholders} are DefinitionSubstitutions.
const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'statemachines');

module.exports = () =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.endsWith('.asl.json'))
      .map((file) => [file.slice(0, -'.asl.json'.length), JSON.stringify(JSON.parse(readFileSync(path.join(dir, file), 'utf8')))]),
  );
