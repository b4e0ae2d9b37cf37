import { faultSchedule } from '../../../../bench/load/fault-schedule';
import { BedrockRuntimeEmulator } from '../../../emulators/bedrock-runtime-emulator';

const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const draw = (schedule: ReturnType<typeof faultSchedule>, n: number) => Array.from({ length: n }, () => schedule()?.code ?? 'ok');

describe('faultSchedule', () => {
  it('draws the same faults in the same order for the same seed, and others for another seed', () => {
    // Prepare
    const rates = { throttleRate: 0.2, serverErrorRate: 0.05 };

    // Act
    const first = draw(faultSchedule({ ...rates, seed: 15 }), 500);
    const again = draw(faultSchedule({ ...rates, seed: 15 }), 500);
    const other = draw(faultSchedule({ ...rates, seed: 16 }), 500);

    // Assess
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('fails calls at the asked rates: ThrottlingException 429, and 5xx split between 503 and 500', () => {
    // Prepare
    const schedule = faultSchedule({ throttleRate: 0.2, serverErrorRate: 0.05, seed: 1 });
    const n = 20_000;

    // Act
    const faults = Array.from({ length: n }, () => schedule());

    // Assess: within about 4 standard deviations of the binomial count
    const count = (code: string) => faults.filter((f) => f?.code === code).length;
    expect(Math.abs(count('ThrottlingException') / n - 0.2)).toBeLessThan(0.012);
    expect(Math.abs((count('ServiceUnavailableException') + count('InternalServerException')) / n - 0.05)).toBeLessThan(0.007);
    expect(count('ServiceUnavailableException')).toBeGreaterThan(0);
    expect(count('InternalServerException')).toBeGreaterThan(0);
    expect(faults.find((f) => f?.code === 'ThrottlingException')?.status).toBe(429);
    expect(faults.find((f) => f?.code === 'ServiceUnavailableException')?.status).toBe(503);
    expect(faults.find((f) => f?.code === 'InternalServerException')?.status).toBe(500);
  });

  it('never fails at rate 0 and always fails at rates adding up to 1; rejects impossible rates', () => {
    expect(draw(faultSchedule({ throttleRate: 0, serverErrorRate: 0, seed: 3 }), 1000).every((c) => c === 'ok')).toBe(true);
    expect(draw(faultSchedule({ throttleRate: 0.5, serverErrorRate: 0.5, seed: 3 }), 1000).includes('ok')).toBe(false);
    expect(() => faultSchedule({ throttleRate: 0.8, serverErrorRate: 0.3, seed: 1 })).toThrow(RangeError);
    expect(() => faultSchedule({ throttleRate: -0.1, serverErrorRate: 0, seed: 1 })).toThrow(RangeError);
  });
});

describe('BedrockRuntimeEmulator fault schedule', () => {
  const emulator = new BedrockRuntimeEmulator();
  let url: string;
  const converse = async (): Promise<{ status: number; type: string | null }> => {
    const res = await fetch(`${url}/model/${encodeURIComponent(MODEL)}/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: '[1] The sky is blue.\n\nWhat colour is the sky?' }] }] }),
    });
    await res.text();
    return { status: res.status, type: res.headers.get('x-amzn-errortype') };
  };

  beforeAll(async () => {
    url = await emulator.start();
  });
  afterEach(() => emulator.reset());
  afterAll(() => emulator.stop());

  it('answers each Converse call with the fault the schedule decides, in order, and normally otherwise', async () => {
    // Prepare: the expected sequence from a twin schedule with the same seed
    const rates = { throttleRate: 0.3, serverErrorRate: 0.2, seed: 42 };
    const expected = Array.from({ length: 30 }, faultSchedule(rates));
    const decide = faultSchedule(rates);
    emulator.faultSchedule = ({ operation, modelId }) => (operation === 'Converse' && modelId === MODEL ? decide() : undefined);

    // Act
    const seen: { status: number; type: string | null }[] = [];
    for (let i = 0; i < expected.length; i += 1) seen.push(await converse());

    // Assess
    expect(seen).toEqual(expected.map((f) => (f ? { status: f.status, type: f.code } : { status: 200, type: null })));
    expect(seen.some((s) => s.status === 200)).toBe(true);
    expect(seen.some((s) => s.status !== 200)).toBe(true);
  });

  it('lets a programmed per-model fault come first, and reset removes the schedule', async () => {
    // Prepare
    emulator.faultSchedule = () => ({ status: 429, code: 'ThrottlingException' });
    emulator.modelFaults.set(MODEL, { status: 403, code: 'AccessDeniedException', times: 1 });

    // Act
    const first = await converse();
    const second = await converse();
    emulator.reset();
    const afterReset = await converse();

    // Assess
    expect(first).toEqual({ status: 403, type: 'AccessDeniedException' });
    expect(second).toEqual({ status: 429, type: 'ThrottlingException' });
    expect(afterReset.status).toBe(200);
  });
});
