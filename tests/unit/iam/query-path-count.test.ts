import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { statesVisited } from '../../iam/query-path-count';

const definition = JSON.parse(readFileSync(path.resolve(__dirname, '../../../statemachines/query.asl.json'), 'utf8'));

describe('statesVisited (tests/iam/query-path-count.ts): the query state machine walked as Step Functions evaluates its Choices', () => {
  it('an answered own-retrieval query: one RetrieveAndRank Task between the guard and Generate', () => {
    expect(statesVisited(definition, { query: { mode: 'own-retrieval' }, inputGuard: { blocked: false } })).toEqual([
      'ValidateQuery',
      'GuardInput',
      'InputAllowed',
      'RetrieveAndRank',
      'GenerateOrStream',
      'Generate',
      'ResolveCitations',
    ]);
  });

  it('follows the other branches: blocked input, knowledge-base mode, and a streaming caller', () => {
    expect(statesVisited(definition, { query: { mode: 'own-retrieval' }, inputGuard: { blocked: true } })).toEqual([
      'ValidateQuery',
      'GuardInput',
      'InputAllowed',
      'ResolveCitations',
    ]);
    expect(statesVisited(definition, { query: { mode: 'knowledge-base' }, inputGuard: { blocked: false } })).toContain('Generate');
    expect(statesVisited(definition, { query: { mode: 'knowledge-base' }, inputGuard: { blocked: false } })).not.toContain('RetrieveAndRank');
    expect(statesVisited(definition, { stream: true, query: { mode: 'own-retrieval' }, inputGuard: { blocked: false } }).slice(-1)).toEqual(['ReadyToStream']);
  });
});
