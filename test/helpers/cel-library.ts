/** Calls a CEL library's overloads directly by id, for the library tests in test/cel/lib. */
import assert from 'node:assert/strict';
import type { FunctionDecl, Overload } from '../../src/cel/decl.js';
import { CelEvalError, type CelValue } from '../../src/cel/value.js';

export interface LibraryCaller {
  overload(id: string): Overload;
  call(id: string, ...args: CelValue[]): CelValue;
  /** The message of the CelEvalError the overload throws; fails the test when it does not throw. */
  evalError(id: string, ...args: CelValue[]): string;
}

export function libraryCaller(decls: readonly FunctionDecl[]): LibraryCaller {
  const overload = (id: string): Overload => {
    for (const d of decls) for (const o of d.overloads) if (o.id === id) return o;
    throw new Error(`no overload ${id}`);
  };
  const call = (id: string, ...args: CelValue[]): CelValue => overload(id).impl(args);
  const evalError = (id: string, ...args: CelValue[]): string => {
    try {
      call(id, ...args);
    } catch (e) {
      assert.ok(e instanceof CelEvalError, `${id} threw ${String(e)}`);
      return e.message;
    }
    assert.fail(`${id}(${args.map(String).join(', ')}) did not fail`);
  };
  return { overload, call, evalError };
}
