#!/usr/bin/env node
/**
 * The `doorman` command: dispatches to one file per sub-command. Flag errors are worded as
 * kube-apiserver's (pflag's) are.
 */
import { Command } from 'commander';
import { DOORMAN_VERSION } from '../version.js';
import { serveCommand } from './serve.js';
import { checkCommand } from './check.js';
import { validateCommand } from './validate.js';
import { kubeconfigCommand } from './kubeconfig.js';
import { pflagMessage } from './flags.js';

const program = new Command('doorman')
  .description("The Kubernetes API server's front door: authentication, authorization, audit and health endpoints.")
  .version(DOORMAN_VERSION)
  .showHelpAfterError(false);
program.addCommand(serveCommand());
program.addCommand(validateCommand());
program.addCommand(checkCommand());
program.addCommand(kubeconfigCommand());
// Parse errors read as kube-apiserver's (cobra/pflag): `Error: unknown flag: --x`.
for (const cmd of [program, ...program.commands]) {
  cmd.configureOutput({ outputError: (message, write) => write(`Error: ${pflagMessage(message)}\n`) });
}
await program.parseAsync(process.argv);
