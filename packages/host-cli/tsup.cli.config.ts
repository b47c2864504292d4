import { copyFile, mkdir, readdir, readFile } from "node:fs/promises"
import { dirname, join, relative, sep } from "node:path"
import type { Plugin } from "esbuild"
import { defineConfig, type Options } from "tsup"

const packages = join(__dirname, "..")

/**
 * Modules of the workspace packages that read files beside themselves (`new URL("./x.json",
 * import.meta.url)`: the simulators' sample seeds). Bundled, their `import.meta.url` would be the
 * chunk's, so it becomes the URL the module has in a mirror of its package under dist/
 * (`dist/<package>/<path>`), and the JSON files of its folder are copied there.
 */
const besideAssets = (outDir: string): Plugin => ({
  name: "seatsync-beside-assets",
  setup(build) {
    const folders = new Set<string>()
    build.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8")
      if (!source.includes("import.meta.url")) return undefined
      const mirrored = relative(packages, args.path).replace(/\.ts$/, ".js").split(sep).join("/")
      folders.add(dirname(args.path))
      return {
        contents: source.replaceAll(
          "import.meta.url",
          `new URL(${JSON.stringify(`./${mirrored}`)}, import.meta.url).href`
        ),
        loader: "ts"
      }
    })
    build.onEnd(async () => {
      for (const folder of folders) {
        const to = join(outDir, relative(packages, folder))
        await mkdir(to, { recursive: true })
        for (const name of await readdir(folder)) {
          if (name.endsWith(".json")) await copyFile(join(folder, name), join(to, name))
        }
      }
    })
  }
})

/**
 * better-sqlite3 is a native addon: it stays out of the bundle, imported through store-sql (which
 * depends on it), so the CLI finds it wherever @seatsync/store-sql is installed.
 */
const sqliteThroughStore: Plugin = {
  name: "seatsync-sqlite-through-store",
  setup(build) {
    build.onResolve({ filter: /^better-sqlite3$/ }, () => ({
      path: "@seatsync/store-sql/sqlite-driver",
      external: true
    }))
  }
}

/**
 * The `seatsync` command: one bundle of the workspace packages (from their sources, so nothing
 * else needs building) and their npm dependencies, so `node dist/bin.js` runs wherever the
 * package is installed. Each command loads its own chunks when it runs (`import()` in its
 * handler): --version and --help load neither the adapters, the store nor the simulators.
 */
export const cli: Options = {
  entry: ["src/bin.ts"],
  outDir: "dist",
  format: ["esm"],
  platform: "node",
  target: "node22",
  splitting: true,
  // The library build (tsup.config.ts) shares dist/.
  clean: ["!lib", "!lib/**"],
  sourcemap: true,
  noExternal: [/./],
  // pg's optional native binding, never installed.
  external: ["pg-native"],
  esbuildPlugins: [besideAssets(join(__dirname, "dist")), sqliteThroughStore],
  esbuildOptions(options) {
    options.conditions = ["@seatsync/source"]
  },
  // Bundled CommonJS modules (fastify, pg, undici…) `require` Node's own modules.
  banner: {
    js: 'import { createRequire as __seatsyncRequire } from "node:module"; const require = __seatsyncRequire(import.meta.url);'
  }
}

export default defineConfig(cli)
