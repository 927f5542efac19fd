import { ChunkPacer, yieldToLoop } from "../pace.js";
import type { DirectoryRepo, OrgNode } from "../store/directory.repo.js";
import { displayName, nameKey } from "./names.js";

/**
 * Reporting lines over the snapshot, walked in memory (no request per hop). Gong's managerId may point
 * at an inactive or missing user and nothing stops a cycle, so every walk carries a visited set.
 */

export interface PersonRef {
  id: string;
  name: string;
  email: string | null;
  title: string | null;
  active: boolean | null;
}

export type ChainEnd =
  | { kind: "top" }
  | { kind: "cycle"; members: PersonRef[] }
  | { kind: "unknown-manager"; managerId: string };

export interface Chain {
  /** The user first, then each manager up to where the walk ended. */
  chain: PersonRef[];
  end: ChainEnd;
}

export interface ReportTree {
  user: PersonRef;
  reports: ReportTree[];
  /** Direct reports beyond the requested depth, counted but not expanded. */
  hiddenReports?: number;
}

export interface Reports {
  tree: ReportTree;
  levels: { level: number; count: number; inactive: number }[];
  total: number;
  inactive: number;
  depth: number | null;
}

export interface OrgHealth {
  cycles: PersonRef[][];
  danglingManagers: { user: PersonRef; managerId: string }[];
  activeUnderInactiveManager: { user: PersonRef; manager: PersonRef }[];
  /** No manager and no reports: not the top of any tree. */
  orphans: PersonRef[];
  tops: PersonRef[];
  counts: {
    users: number;
    cycles: number;
    danglingManagers: number;
    activeUnderInactiveManager: number;
    orphans: number;
    tops: number;
  };
}

const collator = new Intl.Collator(undefined, { sensitivity: "base" });
/** Nodes handled between yields to the event loop in the long walks (tens of ms at most). */
const WALK_SLICE = 5000;

/**
 * The directory as a graph in memory: users by id, direct reports by manager (sorted by name the first
 * time they are asked for), and each user's folded name for "did you mean".
 */
export class OrgIndex {
  readonly byId = new Map<string, OrgNode>();
  private readonly children = new Map<string, OrgNode[]>();
  private readonly sorted = new Set<string>();
  private readonly refs = new Map<string, PersonRef>();

  constructor(nodes: readonly OrgNode[]) {
    for (const n of nodes) this.byId.set(n.id, n);
    for (const n of nodes) {
      if (!n.managerId || n.managerId === n.id) continue;
      const list = this.children.get(n.managerId);
      if (list) list.push(n);
      else this.children.set(n.managerId, [n]);
    }
  }

  /** Direct reports of `id`, sorted by name. */
  reportsOf(id: string): readonly OrgNode[] {
    const list = this.children.get(id);
    if (!list) return [];
    if (!this.sorted.has(id)) {
      list.sort((a, b) => collator.compare(this.ref(a).name, this.ref(b).name));
      this.sorted.add(id);
    }
    return list;
  }

  hasReports(id: string): boolean {
    return (this.children.get(id)?.length ?? 0) > 0;
  }

  ref(n: OrgNode): PersonRef {
    let r = this.refs.get(n.id);
    if (!r) {
      r = { id: n.id, name: displayName(n), email: n.email, title: n.title, active: n.active };
      this.refs.set(n.id, r);
    }
    return r;
  }

  /** Everyone's folded full name, for suggestions. */
  names(): { id: string; name: string; searchName: string }[] {
    this.folded ??= [...this.byId.values()].map((n) => ({
      id: n.id,
      name: displayName(n),
      searchName: nameKey(n),
    }));
    return this.folded;
  }

  private folded: { id: string; name: string; searchName: string }[] | undefined;
}

export class Hierarchy {
  private cache: { gen: number; index: Promise<OrgIndex> } | null = null;

  constructor(private readonly directory: DirectoryRepo) {}

  /**
   * The in-memory index of the current snapshot, rebuilt when the snapshot changes. It is read in keyset
   * pages with yields in between, so that building it for 50,000 users never holds the event loop for
   * long (Slack acks share it).
   */
  async index(): Promise<OrgIndex | null> {
    const state = this.directory.state();
    if (!state) return null;
    if (this.cache?.gen !== state.gen) {
      const gen = state.gen;
      const build = (async () => {
        const nodes: OrgNode[] = [];
        const pacer = new ChunkPacer(2000);
        let after = "";
        for (let read = 1; read > 0; ) {
          read =
            (await pacer.run((n) => {
              const page = this.directory.page(gen, after, n);
              nodes.push(...page);
              after = page.at(-1)?.id ?? after;
              return page.length;
            })) ?? 0;
        }
        return new OrgIndex(nodes);
      })();
      this.cache = { gen, index: build };
      build.catch(() => {
        if (this.cache?.index === build) this.cache = null;
      });
    }
    return this.cache.index;
  }

  async chain(userId: string): Promise<Chain | null> {
    const index = await this.index();
    const start = index?.byId.get(userId);
    if (!index || !start) return null;
    const chain: OrgNode[] = [start];
    const position = new Map([[start.id, 0]]);
    const refs = () => chain.map((n) => index.ref(n));
    for (let node = start; ; ) {
      const managerId = node.managerId;
      if (!managerId || managerId === node.id) return { chain: refs(), end: { kind: "top" } };
      const seenAt = position.get(managerId);
      if (seenAt !== undefined) {
        return {
          chain: refs(),
          end: { kind: "cycle", members: chain.slice(seenAt).map((n) => index.ref(n)) },
        };
      }
      const manager = index.byId.get(managerId);
      if (!manager) return { chain: refs(), end: { kind: "unknown-manager", managerId } };
      position.set(managerId, chain.length);
      chain.push(manager);
      node = manager;
    }
  }

  /** Direct and indirect reports down to `depth` levels (null: all), safe on cycles. */
  async reports(userId: string, depth: number | null = null): Promise<Reports | null> {
    const index = await this.index();
    const root = index?.byId.get(userId);
    if (!index || !root) return null;
    const levels: Reports["levels"] = [];
    const visited = new Set([root.id]);
    const rootTree: ReportTree = { user: index.ref(root), reports: [] };
    let frontier: { node: OrgNode; tree: ReportTree }[] = [{ node: root, tree: rootTree }];
    let handled = 0;
    for (let level = 1; frontier.length > 0; level++) {
      const next: typeof frontier = [];
      let count = 0;
      let inactive = 0;
      for (const { node, tree } of frontier) {
        if (++handled % WALK_SLICE === 0) await yieldToLoop();
        const kids = index.reportsOf(node.id).filter((k) => !visited.has(k.id));
        if (depth !== null && level > depth) {
          if (kids.length > 0) tree.hiddenReports = kids.length;
          continue;
        }
        for (const kid of kids) {
          visited.add(kid.id);
          const child: ReportTree = { user: index.ref(kid), reports: [] };
          tree.reports.push(child);
          next.push({ node: kid, tree: child });
          count++;
          if (kid.active === false) inactive++;
        }
      }
      if (count > 0) levels.push({ level, count, inactive });
      frontier = next;
    }
    return {
      tree: rootTree,
      levels,
      total: levels.reduce((a, l) => a + l.count, 0),
      inactive: levels.reduce((a, l) => a + l.inactive, 0),
      depth,
    };
  }

  async orgHealth(): Promise<OrgHealth | null> {
    const index = await this.index();
    if (!index) return null;
    const cycles: PersonRef[][] = [];
    // Each user has at most one manager, so following managerId from every node finds every cycle once.
    const state = new Map<string, 1 | 2>(); // 1: on the current path, 2: done
    let handled = 0;
    for (const start of index.byId.values()) {
      if (++handled % WALK_SLICE === 0) await yieldToLoop();
      if (state.has(start.id)) continue;
      const path: OrgNode[] = [];
      let node: OrgNode | undefined = start;
      while (node && !state.has(node.id)) {
        state.set(node.id, 1);
        path.push(node);
        node = node.managerId && node.managerId !== node.id ? index.byId.get(node.managerId) : undefined;
      }
      if (node && state.get(node.id) === 1) {
        const from = path.findIndex((p) => p.id === node!.id);
        cycles.push(path.slice(from).map((n) => index.ref(n)));
      }
      for (const p of path) state.set(p.id, 2);
    }
    const dangling: OrgHealth["danglingManagers"] = [];
    const underInactive: OrgHealth["activeUnderInactiveManager"] = [];
    const orphans: PersonRef[] = [];
    const tops: PersonRef[] = [];
    for (const n of index.byId.values()) {
      if (++handled % WALK_SLICE === 0) await yieldToLoop();
      if (!n.managerId || n.managerId === n.id) {
        (index.hasReports(n.id) ? tops : orphans).push(index.ref(n));
        continue;
      }
      const manager = index.byId.get(n.managerId);
      if (!manager) dangling.push({ user: index.ref(n), managerId: n.managerId });
      else if (n.active === true && manager.active === false) {
        underInactive.push({ user: index.ref(n), manager: index.ref(manager) });
      }
    }
    return {
      cycles,
      danglingManagers: dangling,
      activeUnderInactiveManager: underInactive,
      orphans,
      tops,
      counts: {
        users: index.byId.size,
        cycles: cycles.length,
        danglingManagers: dangling.length,
        activeUnderInactiveManager: underInactive.length,
        orphans: orphans.length,
        tops: tops.length,
      },
    };
  }
}
