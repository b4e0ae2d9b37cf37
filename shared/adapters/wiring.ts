import { type AppConfig, loadConfig } from '../config/config';
import type { Services } from '../pipeline/services';

/** A port of Services: everything but the configuration. */
export type PortName = Exclude<keyof Services, 'config'>;

/** Builds the adapter of one port from configuration (one module per port: shared/adapters/<port>.ts). */
export interface PortFactory<K extends PortName = PortName> {
  readonly port: K;
  /** `wiring.use(other)` gives a port this one is built on (the manifests on the state store, say). */
  build(wiring: Wiring): Promise<Services[K]>;
}

/**
 * The ports built from one configuration, each on first use and once. `overrides` supply ready ports
 * instead (the local runtime's workflows, a test's embedder); the ports built on them use them too.
 */
export class Wiring {
  private readonly built = new Map<PortName, Promise<Services[PortName]>>();

  constructor(
    readonly config: AppConfig,
    private readonly overrides: Partial<Services> = {},
  ) {}

  use<K extends PortName>(factory: PortFactory<K>): Promise<Services[K]> {
    const { port } = factory;
    // `reranker: undefined` switches reranking off; any other port given as undefined is built.
    if (this.overrides[port] !== undefined || (port === 'reranker' && port in this.overrides)) {
      return Promise.resolve(this.overrides[port] as Services[K]);
    }
    let built = this.built.get(port);
    if (!built) {
      built = factory.build(this);
      this.built.set(port, built);
    }
    return built as Promise<Services[K]>;
  }

  /** The configuration and the ports of `factories`, built in order. */
  async services<K extends PortName>(factories: readonly PortFactory<K>[]): Promise<Pick<Services, 'config' | K>> {
    const services: Partial<Services> = { config: this.config };
    for (const factory of factories) Object.assign(services, { [factory.port]: await this.use(factory) });
    return services as Pick<Services, 'config' | K>;
  }
}

let registered: Promise<Services> | undefined;
let processWiring: Wiring | undefined;

/**
 * The dependencies of one handler module: the configuration and the ports of `factories`, nothing
 * else, so its bundle carries only those ports' adapters. Built on first call from `loadConfig()`
 * and kept while the process is warm; every handler of a process shares one wiring. When the local
 * runtime (or a test) has registered its services with `useServices`, those are used instead.
 */
export function servicesFor<K extends PortName>(...factories: PortFactory<K>[]): () => Promise<Pick<Services, 'config' | K>> {
  return async () => {
    if (registered) return registered;
    processWiring ??= new Wiring(loadConfig());
    return processWiring.services(factories);
  };
}

/** Registers the services every handler of this process uses (undefined: back to building their own). */
export function useServices(services: Services | undefined): void {
  registered = services ? Promise.resolve(services) : undefined;
  processWiring = undefined;
}
