/**
 * `node --import ./recordLoads.mjs …` writes every module the process loads, one URL or path a line,
 * to the file named by GONGOPS_RECORD_LOADS: ES modules as Node resolves them (a resolve hook, which sees
 * tsx's and dist's imports alike) and CommonJS ones from require.cache when the process exits (packages
 * like pino and prom-client, and what they require). Plain JavaScript: it runs before tsx is registered.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const file = process.env.GONGOPS_RECORD_LOADS;
if (file) {
  writeFileSync(file, "");
  const hooks = `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(file)}, resolved.url + "\\n");
  return resolved;
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  const { cache } = createRequire(import.meta.url);
  process.on("exit", () => {
    const paths = Object.keys(cache);
    if (paths.length > 0) appendFileSync(file, `${paths.join("\n")}\n`);
  });
}
