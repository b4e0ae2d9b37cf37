import type { RunningMotoServer } from './moto-server';

export default async function stopMotoAfterRun(): Promise<void> {
  await (globalThis as { motoServer?: RunningMotoServer }).motoServer?.stop();
}
