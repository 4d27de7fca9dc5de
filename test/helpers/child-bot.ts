/**
 * The bot as a child process (tests, bench): the production `soc2-bot start` (configured from
 * the environment, recovery at start-up, schedule, SIGTERM handling), with every AWS and Slack
 * request forwarded to the fake server the parent process runs at SIM_FAKE_URL.
 */
import { z } from 'zod';
import { main } from '../../src/cli.js';
import { forwardToFake } from '../../src/sim/forward-to-fake.js';

const fakeUrl = z.url().parse(process.env['SIM_FAKE_URL'], { error: () => 'SIM_FAKE_URL must be the fake server URL' });
const forwarding = forwardToFake(fakeUrl);
process.exitCode = await main(['start']);
forwarding.close();
