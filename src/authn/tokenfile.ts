/**
 * The static token file (`--token-auth-file`): CSV rows `token,user,uid[,"group1,group2"]`, read
 * once at start-up. Lookup hashes the presented token and compares digests in constant time, so
 * response timing says nothing about how much of a token matched.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { DoormanError } from '../errors.js';
import { readConfigFile } from '../config/decode.js';
import type { AuthenticationResult, UserInfo } from './types.js';

/** What a token is presented for; absent audiences: the request names none (no TokenReview audiences, no --api-audiences). */
export interface TokenContext {
  readonly audiences?: readonly string[];
}

/** A token authenticator: no opinion, a user, or an error, for one bearer token. */
export interface TokenAuthenticator {
  readonly name: string;
  /**
   * True when a lookup is an in-memory map hit, cheaper than the token cache's own keyed hashing;
   * a union made only of such members is not cached (the answers could not differ).
   */
  readonly inMemory?: boolean;
  authenticateToken(token: string, context?: TokenContext): AuthenticationResult | Promise<AuthenticationResult>;
}

/** Splits CSV text into records with encoding/csv's rules (quotes, `""` escapes, blank lines skipped). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
      continue;
    }
    const record: string[] = [];
    let col = 1;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        col++;
        for (;;) {
          if (i >= n) throw new DoormanError('CONFIG_DECODE', `parse error on line ${line}, column ${col}: extraneous or missing " in quoted-field`);
          const c = text[i] as string;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              col += 2;
              continue;
            }
            i++;
            col++;
            break;
          }
          if (c === '\n') {
            line++;
            col = 0;
          }
          field += c;
          i++;
          col++;
        }
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && text[i + 1] === '\n')) {
          throw new DoormanError('CONFIG_DECODE', `parse error on line ${line}, column ${col}: extraneous or missing " in quoted-field`);
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') throw new DoormanError('CONFIG_DECODE', `parse error on line ${line}, column ${col}: bare " in non-quoted field`);
          field += text[i];
          i++;
          col++;
        }
      }
      record.push(field);
      if (text[i] === ',') {
        i++;
        col++;
        continue;
      }
      break;
    }
    records.push(record);
  }
  return records;
}

/** SHA-256 of a token, base64: the one-shot `crypto.hash` with a string result is the fastest form. */
function digestKey(token: string): string {
  return hash('sha256', token, 'base64');
}

const NONE: AuthenticationResult = Object.freeze({ kind: 'none' });

export interface TokenFile {
  readonly authenticator: TokenAuthenticator;
  /** Start-up warnings (empty or duplicate tokens), as kube-apiserver logs them. */
  readonly warnings: readonly string[];
}

/** Parses token-file text; `path` is only used in messages. */
export function parseTokenFile(text: string, path: string): TokenFile {
  const byDigest = new Map<string, { readonly digest: Buffer; readonly result: AuthenticationResult }>();
  const warnings: string[] = [];
  let recordNum = 0;
  for (const record of parseCsv(text)) {
    if (record.length < 3) {
      throw new DoormanError('CONFIG_DECODE', `token file '${path}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    }
    recordNum++;
    const [token = '', name = '', uid = '', groups] = record;
    if (token === '') {
      warnings.push(`empty token has been found in token file '${path}', record number '${recordNum}'`);
      continue;
    }
    const key = digestKey(token);
    if (byDigest.has(key)) warnings.push(`duplicate token has been found in token file '${path}', record number '${recordNum}'`);
    const user: UserInfo = Object.freeze({
      name,
      uid,
      groups: Object.freeze(groups !== undefined ? groups.split(',') : []),
      extra: Object.freeze({}),
    });
    // One frozen answer per token: every lookup hands out the same objects.
    byDigest.set(key, { digest: Buffer.from(key, 'base64'), result: Object.freeze({ kind: 'authenticated', user, authenticator: 'token-file' }) });
  }
  const authenticator: TokenAuthenticator = {
    name: 'token-file',
    inMemory: true,
    authenticateToken(token: string): AuthenticationResult {
      const key = digestKey(token);
      const hit = byDigest.get(key);
      // The map lookup is on a digest, not the secret; the final comparison is constant time.
      if (!hit || !timingSafeEqual(hit.digest, Buffer.from(key, 'base64'))) return NONE;
      return hit.result;
    },
  };
  return { authenticator, warnings };
}

/** Reads `--token-auth-file`. */
export function loadTokenFile(path: string): TokenFile {
  return parseTokenFile(readConfigFile(path), path);
}
