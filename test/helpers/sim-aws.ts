import { setupServer } from 'msw/node';
import { afterAll, afterEach } from 'vitest';
import { createAwsClients } from '../../src/remediate/aws-clients.js';
import { SimulatedAws } from '../../src/sim/aws-account.js';

/** A simulated AWS account behind msw plus the bot's real SDK clients, torn down after the file. */
export function useSimulatedAws() {
  const sim = { aws: new SimulatedAws({ accountId: '111111111111' }) };
  const server = setupServer(...sim.aws.handlers());
  server.listen({ onUnhandledRequest: 'error' });
  const clients = createAwsClients({ credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' }, maxAttempts: 1 });
  afterEach(() => {
    sim.aws = new SimulatedAws({ accountId: '111111111111' });
    server.resetHandlers(...sim.aws.handlers());
  });
  afterAll(() => {
    clients.destroy();
    server.close();
  });
  return { sim, clients };
}
