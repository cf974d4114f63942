#!/usr/bin/env node
/**
 * The `doorman` command: dispatches to one file per sub-command. Unknown flags are errors that
 * name the flag, as kube-apiserver's are.
 */
import { Command } from 'commander';
import { DOORMAN_VERSION } from '../version.js';
import { serveCommand } from './serve.js';
import { checkCommand } from './check.js';
import { validateCommand } from './validate.js';
import { kubeconfigCommand } from './kubeconfig.js';

const program = new Command('doorman')
  .description("The Kubernetes API server's front door: authentication, authorization, audit and health endpoints.")
  .version(DOORMAN_VERSION)
  .showHelpAfterError(false);
program.addCommand(serveCommand());
program.addCommand(validateCommand());
program.addCommand(checkCommand());
program.addCommand(kubeconfigCommand());
await program.parseAsync(process.argv);
