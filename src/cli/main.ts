#!/usr/bin/env node
import { runCli } from './runCli';

/** The `tear-ssl` bin: runs the CLI on this process's arguments and exits with its code. */
const code = await runCli(process.argv.slice(2), undefined, { signals: true });
process.exitCode = code;
