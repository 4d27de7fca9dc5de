// Entry of the export worker thread (EvidenceExports in export-file.ts). Worker threads do not
// inherit the tsx loader bin/soc2-bot.js registers (Node 20), so it is registered here too.
import { register } from 'tsx/esm/api';

register();
await import('./export-worker.ts');
