import { basename, extname, join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FOCUS_COSTS_SQL_FILE } from '#analytics/focus-costs-sql.ts';
import { BUNDLED_FONT_FOLDER, STATEMENT_FONT_FILES } from '#statement/fonts.ts';
import { acknowledgeWildcardResource } from './nag.ts';

/**
 * The alias the approval API invokes; a deploy publishes a new version and moves the alias. The state
 * machines name the version itself (see docs/versions.md): a run waiting weeks for an approval must
 * resume on the code it started with, which an alias moved by a later deploy would not give it.
 */
export const LIVE_ALIAS = 'live';

/** The Lambda runtime every step runs on; the same major as `node` in devDependencies and `.nvmrc`. */
export const SETTLEMENT_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * ESM bundles need `require` for the CommonJS packages they inline (pdfkit and its dependencies, …) and
 * `__dirname` for packages that read files next to their sources.
 */
const ESM_BANNER = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { fileURLToPath as __fileURLToPath } from 'node:url';",
  "import { dirname as __pathDirname } from 'node:path';",
  'const require = __createRequire(import.meta.url);',
  'const __filename = __fileURLToPath(import.meta.url);',
  'const __dirname = __pathDirname(__filename);',
].join(' ');

/**
 * A bundle that renders statement PDFs reads its fonts from `fonts/` beside `index.mjs` (see
 * shared/statement/fonts.ts): after bundling, the font files are copied from the project's
 * node_modules into any bundle whose code names them, and only there (the notifying functions stay small).
 */
export function copyStatementFonts(inputDir: string, outputDir: string): string {
  const files = Object.values(STATEMENT_FONT_FILES).map(
    (f) => `${inputDir}/node_modules/${f.package}/${f.file}`,
  );
  const marker = STATEMENT_FONT_FILES.cjk.file.split('/').pop() ?? '';
  const script = [
    "const fs=require('fs'),path=require('path');",
    'const out=process.argv[1];',
    `if(fs.readFileSync(path.join(out,'index.mjs'),'utf8').includes('${marker}')){`,
    `fs.mkdirSync(path.join(out,'${BUNDLED_FONT_FOLDER}'),{recursive:true});`,
    `for(const f of [${files.map((f) => `'${f}'`).join(',')}])fs.copyFileSync(f,path.join(out,'${BUNDLED_FONT_FOLDER}',path.basename(f)));}`,
  ].join('');
  return `node -e "${script}" "${outputDir}"`;
}

/** The nightly FOCUS cost query, read at run time beside a bundle that names it (one SQL file for Athena and DuckDB). */
export function copyCostQuery(inputDir: string, outputDir: string): string {
  const script = [
    "const fs=require('fs'),path=require('path');",
    'const out=process.argv[1];',
    `if(fs.readFileSync(path.join(out,'index.mjs'),'utf8').includes('${FOCUS_COSTS_SQL_FILE}'))`,
    `fs.copyFileSync('${inputDir}/analytics/cloud-costs/${FOCUS_COSTS_SQL_FILE}',path.join(out,'${FOCUS_COSTS_SQL_FILE}'));`,
  ].join('');
  return `node -e "${script}" "${outputDir}"`;
}

/**
 * The one file the font subsetter reads at run time (shared/statement/font-subset.ts): harfbuzz's
 * hb-subset wasm, found with `createRequire(import.meta.url).resolve('harfbuzzjs/dist/harfbuzz-subset.wasm')`,
 * which esbuild leaves as it is. A bundle whose code names that file gets it (with the package.json
 * whose `exports` lets it resolve) in `node_modules/harfbuzzjs/` beside `index.mjs`, where that
 * resolution finds it. Cheaper than installing the package into the bundle with `nodeModules`, which
 * would run npm at synth time and ship both wasm builds (1.1 MB).
 */
export const SUBSET_WASM = {
  package: 'harfbuzzjs',
  files: ['package.json', 'dist/harfbuzz-subset.wasm'],
} as const;

/** The command that copies {@link SUBSET_WASM} into a bundle that subsets fonts (and only there). */
export function copySubsetWasm(inputDir: string, outputDir: string): string {
  const marker = SUBSET_WASM.files[1].split('/').pop() ?? '';
  const script = [
    "const fs=require('fs'),path=require('path');",
    'const out=process.argv[1];',
    `if(fs.readFileSync(path.join(out,'index.mjs'),'utf8').includes('${marker}')){`,
    `for(const f of [${SUBSET_WASM.files.map((f) => `'${f}'`).join(',')}]){`,
    `const to=path.join(out,'node_modules','${SUBSET_WASM.package}',f);`,
    'fs.mkdirSync(path.dirname(to),{recursive:true});',
    `fs.copyFileSync(path.join('${inputDir}','node_modules','${SUBSET_WASM.package}',f),to);}}`,
  ].join('');
  return `node -e "${script}" "${outputDir}"`;
}

/**
 * The esbuild options of every function (bench/b4.ts builds with the same object). The AWS SDK v3
 * ships in the Lambda Node.js runtime, so `@aws-sdk/*` stays external: bundling it added
 * 300–900 KB per function and most of the init time. The runtime's SDK is a recent v3 release;
 * the code uses only long-stable client APIs.
 */
export const SETTLEMENT_BUNDLING = {
  format: nodejs.OutputFormat.ESM,
  target: 'node24',
  platform: 'node',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: ['@aws-sdk/*'],
  banner: ESM_BANNER,
  // zod's `z` namespace keeps all of zod in every bundle; this module gives the members used.
  esbuildArgs: { '--alias:zod': join(import.meta.dirname, 'zod-for-lambda.ts') },
} as const;

/**
 * {@link SETTLEMENT_BUNDLING} as esbuild's own build options, for what bundles a function outside
 * CDK exactly as the construct does (the bundle benchmark, the bundle tests).
 */
export function settlementEsbuildOptions() {
  const b = SETTLEMENT_BUNDLING;
  return {
    bundle: true,
    platform: b.platform,
    format: 'esm' as const,
    target: b.target,
    mainFields: [...b.mainFields] as string[],
    minify: b.minify,
    sourcemap: b.sourceMap,
    sourcesContent: b.sourcesContent,
    external: [...b.externalModules] as string[],
    banner: { js: b.banner },
    alias: { zod: b.esbuildArgs['--alias:zod'] },
  };
}

export interface SettlementFunctionProps {
  /** Absolute path of the handler module; it must `export const handler`. */
  readonly entry: string;
  /** Absolute path of the lock file that pins the bundled dependencies (its folder is the project root). */
  readonly depsLockFilePath: string;
  /** Environment shared by every step of the tenant (TENANT_ID, TABLE_NAME, …); merged under `environment`. */
  readonly sharedEnvironment: Readonly<Record<string, string>>;
  /** Extra environment for this function only. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Powertools service name (logs, metrics dimension). @default - the entry file name, e.g. `collect-source` */
  readonly serviceName?: string;
  /** Hard timeout; keep it at or below the Task's TimeoutSeconds in the ASL. @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** Memory in MB (CPU scales with it). @default 1024 */
  readonly memorySize?: number;
  /** Retention of the function's log group. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Powertools log level (DEBUG, INFO, WARN, ERROR). @default 'INFO' */
  readonly logLevel?: string;
  /**
   * Largest acceptable bundle (index.mjs) in bytes: bundling fails above it, so a dependency that
   * drags in megabytes is noticed at synth time rather than as a cold-start regression.
   * @default 8 MiB
   */
  readonly maxBundleBytes?: number;
  /** Human-readable description shown in the console. @default - the service name */
  readonly description?: string;
}

/**
 * The one way this project builds a Lambda: Node 24 on arm64, an esbuild ESM bundle (minified,
 * source maps on), X-Ray active tracing, its own log group with retention, and its own role that
 * may write only to that log group. Callers add data permissions through the returned `role`.
 */
export class SettlementFunction extends Construct {
  /** The function. */
  public readonly function: nodejs.NodejsFunction;
  /** The version published from this deploy's code and configuration (the state machines invoke it). */
  public readonly version: lambda.IVersion;
  /** The `live` alias on {@link version}; the approval API invokes it, never `$LATEST`. */
  public readonly alias: lambda.Alias;
  /** The function's execution role (logs and X-Ray only until the caller grants more). */
  public readonly role: iam.Role;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The Powertools service name. */
  public readonly serviceName: string;

  constructor(scope: Construct, id: string, props: SettlementFunctionProps) {
    super(scope, id);
    this.serviceName = props.serviceName ?? basename(props.entry, extname(props.entry));
    const maxBundleBytes = props.maxBundleBytes ?? 8 * 1024 * 1024;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: the managed policy lets a function
    // write to every log group in the account; this one may write to its own group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${this.serviceName} (${Stack.of(this).stackName})`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      depsLockFilePath: props.depsLockFilePath,
      runtime: SETTLEMENT_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(60),
      description: props.description ?? this.serviceName,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      // Replaced versions stay published: a run that resumes after a redeploy may still name them.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
      environment: {
        ...props.sharedEnvironment,
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        ...SETTLEMENT_BUNDLING,
        mainFields: [...SETTLEMENT_BUNDLING.mainFields],
        externalModules: [...SETTLEMENT_BUNDLING.externalModules],
        esbuildArgs: { ...SETTLEMENT_BUNDLING.esbuildArgs },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            copyStatementFonts(inputDir, outputDir),
            copySubsetWasm(inputDir, outputDir),
            copyCostQuery(inputDir, outputDir),
            `node -e "const f=process.argv[1],s=require('fs').statSync(f).size;if(s>${maxBundleBytes}){console.error(f+' is '+s+' bytes, above the ${maxBundleBytes}-byte budget of ${this.serviceName}');process.exit(1)}" "${outputDir}/index.mjs"`,
          ],
        },
      },
    });
    this.version = this.function.currentVersion;
    this.alias = new lambda.Alias(this, 'Live', { aliasName: LIVE_ALIAS, version: this.version });
    acknowledgeWildcardResource(
      this,
      '*',
      'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions (Resource "*" required by X-Ray).',
    );
  }
}
