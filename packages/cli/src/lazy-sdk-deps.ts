/**
 * Start-up: @pulumi/pulumi loads TypeScript and npm's Arborist eagerly for closure serialisation
 * (about a third of a second), which a program without serialised functions never uses. The plan
 * tool installs lazy stand-ins for the two before the SDK loads; the real module loads on first
 * use, so behaviour is unchanged. Import this module before anything that imports the SDK.
 * (`pulumi up` does not go through here.)
 */
import Module from "node:module";
import * as path from "node:path";

const sdkRequire = Module.createRequire(require.resolve("@pulumi/pulumi"));

function lazy(name: string): void {
  let file: string;
  try {
    file = sdkRequire.resolve(name);
  } catch {
    return;
  }
  if (require.cache[file]) return;
  let real: Record<PropertyKey, unknown> | undefined;
  const load = () => {
    if (!real) {
      delete require.cache[file];
      real = sdkRequire(name) as Record<PropertyKey, unknown>;
    }
    return real;
  };
  const target = function () {} as unknown as Record<PropertyKey, unknown>;
  const standIn = new Proxy(target, {
    // `__importStar` asks for `__esModule` first; answering it keeps the load deferred.
    get: (_, key) => (key === "__esModule" ? true : load()[key]),
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    // Loaders probe exports after loading a module (tsx asks for "module.exports").
    getOwnPropertyDescriptor: (_, key) => {
      if (key === "__esModule" || key === "module.exports") return undefined;
      const d = Reflect.getOwnPropertyDescriptor(load(), key);
      return d ? { ...d, configurable: true } : undefined;
    },
    apply: (_, self, args) => (load() as unknown as (...a: unknown[]) => unknown).apply(self, args),
    construct: (_, args) => new (load() as unknown as new (...a: unknown[]) => object)(...args),
  });
  const stub = new Module(file);
  stub.filename = file;
  stub.loaded = true;
  stub.paths = [path.dirname(file)];
  stub.exports = standIn;
  require.cache[file] = stub;
}

lazy("typescript");
lazy("@npmcli/arborist");
