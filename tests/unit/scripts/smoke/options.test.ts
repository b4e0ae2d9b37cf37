import { SmokeUsageError } from '../../../../scripts/smoke/errors';
import { parseSmokeArgs } from '../../../../scripts/smoke/options';

describe('parseSmokeArgs', () => {
  it('targets the stack serverless-rag-<stage> in the given region with the token from RAG_SMOKE_TOKEN', () => {
    const options = parseSmokeArgs(['--stage', 'prod', '--region', 'eu-west-1'], { RAG_SMOKE_TOKEN: 'jwt-from-env', AWS_REGION: 'us-west-2' });

    expect(options.target).toEqual({ kind: 'stack', stage: 'prod', stackName: 'serverless-rag-prod', region: 'eu-west-1' });
    expect(options.token).toBe('jwt-from-env');
    expect(options.settings).toEqual({ indexTimeoutMs: 300_000, deleteTimeoutMs: 120_000, pollIntervalMs: 2_000, queryAttempts: 3 });
  });

  it('takes the region from AWS_REGION, then AWS_DEFAULT_REGION, then the stack default us-east-1', () => {
    const region = (env: Record<string, string>) => {
      const { target } = parseSmokeArgs(['--stage', 'dev'], { RAG_SMOKE_TOKEN: 't', ...env });
      return target.kind === 'stack' ? target.region : undefined;
    };
    expect(region({ AWS_REGION: 'ap-southeast-2', AWS_DEFAULT_REGION: 'eu-central-1' })).toBe('ap-southeast-2');
    expect(region({ AWS_DEFAULT_REGION: 'eu-central-1' })).toBe('eu-central-1');
    expect(region({})).toBe('us-east-1');
  });

  it('lets --token override the variable and --stack override the name, and reads --flag=value', () => {
    const options = parseSmokeArgs(
      ['--stage=dev', '--token=cli-jwt', '--stack', 'custom', '--index-timeout', '90', '--poll', '500', '--report', 'out/smoke.json'],
      {
        RAG_SMOKE_TOKEN: 'env-jwt',
      },
    );

    expect(options.token).toBe('cli-jwt');
    expect(options.target).toMatchObject({ stackName: 'custom' });
    expect(options.settings).toMatchObject({ indexTimeoutMs: 90_000, pollIntervalMs: 500 });
    expect(options.report).toBe('out/smoke.json');
  });

  it('targets a URL without AWS: a local one with the development token, a remote one with none unless given', () => {
    const options = parseSmokeArgs(['--url', 'http://127.0.0.1:3000/']);

    expect(options.target).toEqual({ kind: 'url', url: 'http://127.0.0.1:3000' });
    expect(options.token).toBe('dev');
    expect(parseSmokeArgs(['--url', 'https://api.example.com/prod']).token).toBeUndefined();
    expect(parseSmokeArgs(['--url', 'http://127.0.0.1:3000', '--token', 'mine']).token).toBe('mine');
  });

  it.each([
    [[], /--stage <stage> or --url/],
    [['--stage', 'prod'], /bearer token/],
    [['--stage', 'prod', '--url', 'http://x'], /not both/],
    [['--url', 'not a url'], /not a URL/],
    [['--url', 'ftp://host'], /http/],
    [['--url', 'http://x', '--region', 'eu-west-1'], /go with --stage/],
    [['--stage', 'a/b', '--token', 't'], /letters, digits/],
    [['--stage', 'dev', '--token', 't', '--poll', '0'], /positive/],
    [['--stage', 'dev', '--token', 't', '--query-attempts', '1.5'], /integer/],
    [['--stage'], /needs a value/],
    [['--stage', 'dev', '--verbose'], /unknown option --verbose/],
  ])('refuses %j', (args, reason) => {
    expect(() => parseSmokeArgs(args)).toThrow(SmokeUsageError);
    expect(() => parseSmokeArgs(args)).toThrow(reason);
  });
});
