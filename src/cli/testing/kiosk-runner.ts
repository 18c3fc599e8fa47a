// The `kiosk` command as its own process straight from the sources, for tests that need the real
// process (stdin, signals, whether it exits) without a build:
//   node --import tsx src/cli/testing/kiosk-runner.ts simulate thermometer --link /tmp/t
import { main } from '../main.js';

process.exitCode = await main(process.argv.slice(2));
