/** The API's front door: the Fastify app, its config, tokens, the job queue and the inbox. */
export { type ApiContext, type AppDeps, buildApp } from './app.js';
export { actorOf, type Principal } from './auth/auth.js';
export { isRole, type Permission, ROLE_PERMISSIONS, ROLES, type Role } from './auth/roles.js';
export { openTokenFile, TOKENS_FILE, type TokenFile, type TokenInfo } from './auth/token-file.js';
export { API_DEFAULTS, API_VERSION, type ApiConfig, resolveApiConfig, type UserApiConfig } from './config.js';
export { createInbox, INBOX_DEFAULTS, type Inbox, type InboxConfig } from './inbox/inbox.js';
export { createJobQueue, type Job, type JobQueue } from './jobs/job-queue.js';
export { type ApiMetrics, createApiMetrics } from './metrics.js';
export { createRulesHolder, type RulesHolder } from './rules-holder.js';
