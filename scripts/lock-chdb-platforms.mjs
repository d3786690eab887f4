#!/usr/bin/env node
// The registry these machines reach serves only chdb's linux-x64 engine package, so `npm install`
// leaves chdb's other optional platform packages out of package-lock.json, and `npm ci` then refuses
// the lock ("Missing: @chdb/lib-darwin-arm64@ from lock file"). This puts their entries back, marked
// optional with their os/cpu, so `npm ci` skips them on other platforms and installs them on theirs.
// Run after any `npm install` that rewrites the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const chdb = lock.packages['node_modules/chdb'];
let added = 0;
for (const [name, version] of Object.entries(chdb?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [, os, cpu, libc] = /lib-(darwin|linux)-(arm64|x64)(-gnu)?$/.exec(name) ?? [];
  if (!os) continue;
  lock.packages[key] = {
    version,
    cpu: [cpu],
    ...(libc ? { libc: ['glibc'] } : {}),
    license: 'Apache-2.0',
    optional: true,
    os: [os],
  };
  added++;
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  ),
);
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} chdb platform entries added`);
