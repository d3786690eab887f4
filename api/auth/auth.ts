/**
 * Bearer-token authentication and role checks, as one onRequest hook on the root instance (so an
 * upload is refused before its body is read). A route states what it needs in
 * `config.permission`; routes without one (health, metrics, docs) are open.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError } from '../../model/index.js';
import { type Permission, ROLE_PERMISSIONS, type Role } from './roles.js';
import type { TokenFile } from './token-file.js';

export interface Principal {
  tokenId: string;
  role: Role;
  name: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    permission?: Permission;
  }
}

/** Who did it, for the audit trail: the token's name, or its id. */
export const actorOf = (req: FastifyRequest): string =>
  req.principal ? req.principal.name || `token:${req.principal.tokenId}` : 'anonymous';

export function installAuth(app: FastifyInstance, tokens: TokenFile): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const need = req.routeOptions.config?.permission;
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/.exec(header);
      const info = m ? tokens.verify(m[1]) : undefined;
      if (!info)
        throw new AuthError('CW_ERR_AUTH_MISSING', 'the bearer token is malformed, unknown or revoked');
      req.principal = { tokenId: info.id, role: info.role, name: info.name };
    }
    if (!need) return;
    if (!req.principal) {
      throw new AuthError(
        'CW_ERR_AUTH_MISSING',
        'this endpoint needs a token: Authorization: Bearer <token>',
      );
    }
    if (!ROLE_PERMISSIONS[req.principal.role].has(need)) {
      throw new AuthError(
        'CW_ERR_AUTH_FORBIDDEN',
        `role ${req.principal.role} may not do this (needs ${need})`,
      );
    }
  });
}
