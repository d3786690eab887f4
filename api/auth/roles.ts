/** Roles and what each may do. A route names one permission; a token carries one role. */

export const ROLES = ['analyst', 'uploader', 'ingest-job', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'alerts:read'
  | 'alerts:triage'
  | 'devices:read'
  | 'rules:read'
  | 'rules:write'
  | 'uploads:create'
  | 'jobs:read'
  | 'tokens:manage';

/** analyst: read + triage; uploader: uploads; ingest-job: uploads + jobs; admin: everything. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  analyst: new Set(['alerts:read', 'alerts:triage', 'devices:read', 'rules:read', 'jobs:read']),
  uploader: new Set(['uploads:create']),
  'ingest-job': new Set(['uploads:create', 'jobs:read']),
  admin: new Set([
    'alerts:read',
    'alerts:triage',
    'devices:read',
    'rules:read',
    'rules:write',
    'uploads:create',
    'jobs:read',
    'tokens:manage',
  ]),
};

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}
