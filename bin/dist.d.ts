/** Types for bin/dist.js (plain JavaScript: it runs before anything is built). */
export declare const DIGEST_FILE: string;
export declare const BUNDLED: readonly string[];
export declare function sourceDigest(root: string): string;
export declare function distState(root: string): { current: true } | { current: false; why: string };
