import type { CompositeSpec } from '@xai-ts/lrp';
import type { Database, SqlValue } from 'sql.js';
import { StoreError } from './errors.js';
import type { ConceptGraph } from './graph.js';
import type { ConceptLayer } from './layers.js';
import type { MiningTarget } from './mine.js';
import type { Box } from './receptive.js';
import { type ClassStat, emptyFindings, type Findings, mergeFindings, type TopEntry } from './topk.js';

/**
 * What a mining run was asked to do, stored with its results: a run resumes a store only with the same
 * configuration.
 *
 * @example
 * ```ts
 * store.config()?.layers.map((l) => l.name); // ['conv2', 'conv3']
 * ```
 */
export interface StoreConfig {
  /** The store format's version. */
  version: 1;
  /** The model's name. */
  model: string;
  /** The dataset's name and size. */
  dataset: { name: string; size: number; inputShape: [number, number, number] };
  /** The class names (`String(i)` when neither the dataset nor the model has them). */
  classNames: string[];
  /** The mined layers. */
  layers: ConceptLayer[];
  /** Top list length. */
  top: number;
  /** Samples per shard (the unit of a commit). */
  shardSize: number;
  /** The explained output. */
  target: MiningTarget;
  /** The LRP composite. */
  composite: CompositeSpec;
}

/**
 * A sample as the store keeps it: index and id in the dataset, label, predicted and explained class, and a small
 * PNG of it.
 *
 * @example
 * ```ts
 * const first: StoredSample = store.samples()[0]!;
 * ```
 */
export interface StoredSample {
  /** 0-based index in the dataset. */
  index: number;
  /** The dataset's id. */
  id: string;
  /** The label, or null. */
  label: number | null;
  /** The predicted class. */
  predicted: number;
  /** The explained class. */
  explained: number;
  /** A PNG of the sample. */
  png: Uint8Array;
}

const SCHEMA = `
CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE samples (idx INTEGER PRIMARY KEY, id TEXT NOT NULL, label INTEGER, predicted INTEGER NOT NULL,
  explained INTEGER NOT NULL, png BLOB NOT NULL);
CREATE TABLE shards (shard INTEGER PRIMARY KEY, first INTEGER NOT NULL, count INTEGER NOT NULL);
CREATE TABLE topk (layer TEXT NOT NULL, channel INTEGER NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('rel', 'act')),
  rank INTEGER NOT NULL, sample INTEGER NOT NULL, value REAL NOT NULL, y INTEGER NOT NULL, x INTEGER NOT NULL,
  PRIMARY KEY (layer, channel, kind, rank));
CREATE TABLE class_stats (layer TEXT NOT NULL, channel INTEGER NOT NULL, class INTEGER NOT NULL,
  count INTEGER NOT NULL, positive INTEGER NOT NULL, sum_units TEXT NOT NULL, max REAL NOT NULL,
  PRIMARY KEY (layer, channel, class));
CREATE TABLE receptive_fields (layer TEXT NOT NULL, y INTEGER NOT NULL, x INTEGER NOT NULL, y0 INTEGER NOT NULL,
  x0 INTEGER NOT NULL, y1 INTEGER NOT NULL, x1 INTEGER NOT NULL, PRIMARY KEY (layer, y, x));
CREATE TABLE graphs (layer TEXT NOT NULL, channel INTEGER NOT NULL, sample INTEGER NOT NULL, graph TEXT NOT NULL,
  PRIMARY KEY (layer, channel, sample));
`;

const TABLES: Record<string, string> = {
  config: 'key',
  samples: 'idx',
  shards: 'shard',
  topk: 'layer, channel, kind, rank',
  class_stats: 'layer, channel, class',
  receptive_fields: 'layer, y, x',
  graphs: 'layer, channel, sample',
};

type InitSqlJs = (config?: {
  locateFile?: (file: string) => string;
}) => Promise<{ Database: new (data?: ArrayLike<number> | null) => Database }>;
let sqlite: ReturnType<InitSqlJs> | undefined;

/**
 * How {@link ConceptStore.open} finds SQLite's WebAssembly file. In Node it lies next to sql.js and is found alone;
 * a browser page serves `sql-wasm-browser.wasm` (from the sql.js package's `dist/`) and says where.
 *
 * @example
 * ```ts
 * const store = await ConceptStore.open(bytes, { locateFile: (file) => `/assets/${file}` });
 * ```
 */
export interface SqliteOptions {
  /** Maps sql.js's file name (`sql-wasm.wasm`, `sql-wasm-browser.wasm`) to its URL or path. */
  locateFile?: (file: string) => string;
}

function loadSqlite(options: SqliteOptions): ReturnType<InitSqlJs> {
  // sql.js's Node build (dist/sql-wasm.js) finds its .wasm beside itself; bundlers take its browser build (the
  // package's `browser` export), which loads the .wasm from where locateFile says. The first call's options stay.
  sqlite ??= import('sql.js').then((m: { default: InitSqlJs }) =>
    m.default(options.locateFile ? { locateFile: options.locateFile } : {}),
  );
  return sqlite;
}

/**
 * The results of a mining run in one SQLite database (sql.js: the same in Node and the browser, no server). Tables:
 *
 * - `config(key, value)`: the run's {@link StoreConfig}, one JSON value per key;
 * - `samples(idx, id, label, predicted, explained, png)`: every mined sample, with a small PNG for the atlas;
 * - `shards(shard, first, count)`: the shards done (a resumed run skips them);
 * - `topk(layer, channel, kind, rank, sample, value, y, x)`: RelMax (`kind = 'rel'`) and ActMax (`'act'`) lists,
 *   `rank` 0 first, with the peak unit's position `(y, x)` at the layer's output;
 * - `class_stats(layer, channel, class, count, positive, sum_units, max)`: per explained class, the exact sum of the
 *   channel's relevance as a decimal integer of 2^-149 units;
 * - `receptive_fields(layer, y, x, y0, x0, y1, x1)`: per mined layer and unit position, the input box `[y0, x0, y1,
 *   x1)` the unit sees (from the model's graph, see {@link receptiveField});
 * - `graphs(layer, channel, sample, graph)`: attribution graphs as JSON.
 *
 * {@link ConceptStore.commitShard} merges a shard's findings and writes everything of the shard in one
 * transaction. Reading and writing files is in `@xai-ts/concepts/node` (`openStoreFile`, atomic saves).
 *
 * @example
 * ```ts
 * const store = await ConceptStore.open(await (await fetch('concepts.sqlite')).arrayBuffer());
 * store.findings().layers[0]!.relMax[3]; // channel 3's top samples
 * ```
 */
export class ConceptStore {
  readonly #db: Database;
  #findings: Findings | undefined;

  private constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Opens a store from the bytes of a database file, or a new empty store.
   *
   * @param bytes - a database file's contents; none for a new store
   * @param sqlite - where SQLite's WebAssembly is, in a browser (see {@link SqliteOptions})
   * @throws {@link StoreError} for bytes that are not a concept store
   * @example
   * ```ts
   * const fresh = await ConceptStore.open();
   * ```
   */
  static async open(bytes?: Uint8Array | ArrayBuffer, sqlite: SqliteOptions = {}): Promise<ConceptStore> {
    const SQL = await loadSqlite(sqlite);
    let db: Database;
    try {
      db = new SQL.Database(bytes ? new Uint8Array(bytes) : null);
      const tables =
        db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values.map((r) => r[0]) ?? [];
      if (tables.length === 0) db.exec(SCHEMA);
      else if (!Object.keys(TABLES).every((t) => tables.includes(t)))
        throw new StoreError(`the database is not a concept store: it has the tables ${tables.join(', ')}`);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError(`could not open the concept store: ${(e as Error).message}`);
    }
    return new ConceptStore(db);
  }

  /**
   * The run's configuration, or undefined for a new store.
   *
   * @example
   * ```ts
   * store.config()?.top; // 16
   * ```
   */
  config(): StoreConfig | undefined {
    const rows = this.#rows('SELECT key, value FROM config');
    if (rows.length === 0) return undefined;
    return Object.fromEntries(rows.map(([k, v]) => [k, JSON.parse(v as string)])) as unknown as StoreConfig;
  }

  /**
   * Sets the configuration of a new store with the receptive fields of its layers' units, or checks that it equals
   * the stored one (a resumed run).
   *
   * @param config - the run's configuration
   * @param fields - per layer name, the box of each unit position, row-major (`receptiveFields(graph, layer)`)
   * @throws {@link StoreError} naming the first setting that differs
   * @example
   * ```ts
   * store.begin(config, fields); // then commitShard(...) for each shard not in store.shardsDone()
   * ```
   */
  begin(config: StoreConfig, fields: Readonly<Record<string, readonly Box[]>>): void {
    const stored = this.config();
    if (stored) {
      for (const key of Object.keys(config) as (keyof StoreConfig)[])
        if (JSON.stringify(stored[key]) !== JSON.stringify(config[key]))
          throw new StoreError(
            `the store was mined with ${key} ${JSON.stringify(stored[key])}, this run asks for ${JSON.stringify(config[key])}; use the same settings to resume, or a new store`,
          );
      return;
    }
    this.#transaction(() => {
      for (const [k, v] of Object.entries(config))
        this.#db.run('INSERT INTO config VALUES (?, ?)', [k, JSON.stringify(v)]);
      for (const l of config.layers) {
        const boxes = fields[l.name];
        if (boxes?.length !== l.height * l.width)
          throw new StoreError(
            `layer "${l.name}" needs ${l.height * l.width} receptive fields, got ${boxes?.length ?? 'none'}`,
          );
        for (const [p, b] of boxes.entries())
          this.#db.run('INSERT INTO receptive_fields VALUES (?, ?, ?, ?, ?, ?, ?)', [
            l.name,
            Math.floor(p / l.width),
            p % l.width,
            ...b,
          ]);
      }
    });
  }

  /**
   * The indices of the shards already committed, ascending.
   *
   * @example
   * ```ts
   * const todo = shards.filter((s) => !store.shardsDone().includes(s));
   * ```
   */
  shardsDone(): number[] {
    return this.#rows('SELECT shard FROM shards ORDER BY shard').map((r) => r[0] as number);
  }

  /**
   * Merges one shard's findings into the store and records its samples and the shard, in one transaction: after
   * a crash the store holds the shard entirely or not at all.
   *
   * @param shard - the shard's index, first sample and sample count
   * @param findings - what mining the shard found
   * @param samples - the shard's samples
   * @throws {@link StoreError} when the shard is already committed or the store has no configuration
   * @example
   * ```ts
   * store.commitShard({ index: 3, first: 150, count: 50 }, part.findings, samples);
   * ```
   */
  commitShard(
    shard: { index: number; first: number; count: number },
    findings: Findings,
    samples: readonly StoredSample[],
  ): void {
    const config = this.config();
    if (!config) throw new StoreError('the store has no configuration: call begin(config) first');
    if (this.#rows('SELECT 1 FROM shards WHERE shard = ?', [shard.index]).length)
      throw new StoreError(`shard ${shard.index} is already in the store`);
    const merged = mergeFindings(this.findings(), findings, config.top);
    this.#transaction(() => {
      for (const s of samples)
        this.#db.run('INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?)', [
          s.index,
          s.id,
          s.label,
          s.predicted,
          s.explained,
          s.png,
        ]);
      this.#db.run('DELETE FROM topk');
      this.#db.run('DELETE FROM class_stats');
      const top = this.#db.prepare('INSERT INTO topk VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      const stat = this.#db.prepare('INSERT INTO class_stats VALUES (?, ?, ?, ?, ?, ?, ?)');
      try {
        for (const l of merged.layers)
          for (let c = 0; c < l.channels; c++) {
            for (const [kind, list] of [
              ['rel', l.relMax[c]!],
              ['act', l.actMax[c]!],
            ] as const)
              for (const [rank, e] of list.entries())
                top.run([l.layer, c, kind, rank, e.sample, e.value, e.y, e.x]);
            for (const [cls, s] of [...l.classes[c]!].sort((a, b) => a[0] - b[0]))
              stat.run([l.layer, c, cls, s.count, s.positive, s.sum.toString(), s.max]);
          }
      } finally {
        top.free();
        stat.free();
      }
      this.#db.run('INSERT INTO shards VALUES (?, ?, ?)', [shard.index, shard.first, shard.count]);
    });
    this.#findings = merged;
  }

  /**
   * The merged findings of every committed shard.
   *
   * @example
   * ```ts
   * const conv3 = store.findings().layers.find((l) => l.layer === 'conv3')!;
   * ```
   */
  findings(): Findings {
    if (this.#findings) return this.#findings;
    const config = this.config();
    if (!config) throw new StoreError('the store has no configuration yet: nothing was mined into it');
    const f = emptyFindings(config.layers, config.top);
    const byName = new Map(f.layers.map((l) => [l.layer, l]));
    for (const [layer, channel, kind, , sample, value, y, x] of this.#rows(
      'SELECT * FROM topk ORDER BY layer, channel, kind, rank',
    )) {
      const l = byName.get(layer as string)!;
      const entry: TopEntry = {
        sample: sample as number,
        value: value as number,
        y: y as number,
        x: x as number,
      };
      (kind === 'rel' ? l.relMax : l.actMax)[channel as number]!.push(entry);
    }
    for (const [layer, channel, cls, count, positive, sum, max] of this.#rows('SELECT * FROM class_stats')) {
      const stat: ClassStat = {
        count: count as number,
        positive: positive as number,
        sum: BigInt(sum as string),
        max: max as number,
      };
      byName.get(layer as string)!.classes[channel as number]!.set(cls as number, stat);
    }
    this.#findings = f;
    return f;
  }

  /**
   * The stored samples, by index.
   *
   * @example
   * ```ts
   * store.samples().filter((s) => s.label !== s.predicted); // the misclassified ones
   * ```
   */
  samples(): StoredSample[] {
    return this.#rows('SELECT idx, id, label, predicted, explained, png FROM samples ORDER BY idx').map(
      (r) => ({
        index: r[0] as number,
        id: r[1] as string,
        label: r[2] as number | null,
        predicted: r[3] as number,
        explained: r[4] as number,
        png: r[5] as Uint8Array,
      }),
    );
  }

  /**
   * The input box `[y0, x0, y1, x1)` of the unit at `(y, x)` of a mined layer.
   *
   * @throws {@link StoreError} for a layer or position the store has no field of
   * @example
   * ```ts
   * const e = store.findings().layers[0]!.relMax[3]![0]!;
   * store.receptiveField('conv3', e.y, e.x);
   * ```
   */
  receptiveField(layer: string, y: number, x: number): Box {
    const row = this.#rows(
      'SELECT y0, x0, y1, x1 FROM receptive_fields WHERE layer = ? AND y = ? AND x = ?',
      [layer, y, x],
    )[0];
    if (!row) throw new StoreError(`the store has no receptive field for layer "${layer}" at [${y}, ${x}]`);
    return row as Box;
  }

  /**
   * Stores an attribution graph of a concept on a sample (replacing one stored before).
   *
   * @example
   * ```ts
   * store.putGraph(12, attributionGraph(lrp, x, { layer: 'conv3', channel: 7 }));
   * ```
   */
  putGraph(sample: number, graph: ConceptGraph): void {
    this.#transaction(() =>
      this.#db.run('INSERT OR REPLACE INTO graphs VALUES (?, ?, ?, ?)', [
        graph.layer,
        graph.channel,
        sample,
        JSON.stringify(graph),
      ]),
    );
  }

  /**
   * The stored attribution graphs, with the sample each explains.
   *
   * @example
   * ```ts
   * for (const { sample, graph } of store.graphs()) console.log(sample, graph.nodes.length);
   * ```
   */
  graphs(): { sample: number; graph: ConceptGraph }[] {
    return this.#rows('SELECT sample, graph FROM graphs ORDER BY layer, channel, sample').map((r) => ({
      sample: r[0] as number,
      graph: JSON.parse(r[1] as string) as ConceptGraph,
    }));
  }

  /**
   * The database file's bytes (write them with `saveStoreFile` from `@xai-ts/concepts/node`, or offer them for
   * download in a browser).
   *
   * @example
   * ```ts
   * const bytes = store.export();
   * ```
   */
  export(): Uint8Array {
    return this.#db.export();
  }

  /**
   * A canonical text of the store's contents: every table, rows sorted by primary key, one JSON line per row (BLOBs
   * as base64). Two stores with equal dumps hold the same results, whatever order their shards were committed in.
   *
   * @example
   * ```ts
   * expect(resumed.dump()).toBe(uninterrupted.dump());
   * ```
   */
  dump(): string {
    const lines: string[] = [];
    for (const [table, key] of Object.entries(TABLES)) {
      lines.push(`# ${table}`);
      for (const row of this.#rows(`SELECT * FROM ${table} ORDER BY ${key}`))
        lines.push(JSON.stringify(row.map((v) => (v instanceof Uint8Array ? base64(v) : v))));
    }
    return `${lines.join('\n')}\n`;
  }

  /**
   * Frees the database (the store cannot be used after).
   *
   * @example
   * ```ts
   * store.close();
   * ```
   */
  close(): void {
    this.#db.close();
  }

  #rows(sql: string, params: SqlValue[] = []): SqlValue[][] {
    return this.#db.exec(sql, params)[0]?.values ?? [];
  }

  #transaction(f: () => void): void {
    this.#db.run('BEGIN');
    try {
      f();
      this.#db.run('COMMIT');
    } catch (e) {
      this.#db.run('ROLLBACK');
      throw e;
    }
  }
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
