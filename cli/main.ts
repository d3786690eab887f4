#!/usr/bin/env node
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`camwatch: ${(err as Error).message}\n`);
    process.exitCode = 2;
  });
